"""Plain-text layout of digests and replies for a terminal.

    Nachrichten-Überblick · 28. November 2026

    ■ SNOW  -3,37 %
    • Snowflake nimmt DeepSeek-Modelle auf
      Börse Demo · +2 Quellen · 16:05 · auch: DEEPSEEK, KI
      Snowflake bietet seinen Kunden künftig …
      https://example.org/…

    2 weitere Meldungen

Every label comes from the catalogs, every number and date from `bot.core.i18n`. Feed text
is untrusted: control characters (ANSI escapes among them) and bidi overrides are removed
before anything reaches the terminal. Lines are wrapped for an 80-column terminal; links are
never broken, so they stay clickable. A summary in another language than the digest's is
marked "(original in German)"; a story folded from several feeds shows "+2 sources".

`render_digest_parts` splits a digest into messages within an adapter's limits with
`bot.core.split` (header with "(1/3)", a continued group's heading repeated with "(cont.)",
the overflow line on the last part); `render_digest` is the same text as one message.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Iterable

from bot.core.i18n import format_date, format_move, t, tn
from bot.core.labels import original_language, story_time
from bot.core.models import Digest, DigestGroup, DigestItem
from bot.core.split import Section, split_messages
from bot.ports import AdapterLimits

WIDTH = 80
INDENT = "  "
GROUP_MARK = "■"
ITEM_MARK = "•"
SEP = " · "
# One message of any size: `render_digest` is the single part under these limits.
UNLIMITED = AdapterLimits(max_chars=sys.maxsize, max_items=sys.maxsize)

# C0/C1 controls (ESC starts terminal escape sequences) and the bidi embedding, override and
# isolate characters that can make a line read differently from what it contains.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _clean(text: str) -> str:
    """One line of untrusted text: whitespace runs (newlines too) collapsed, controls gone."""
    return _UNSAFE.sub("", " ".join(text.split()))


def _wrap(text: str, *, first: str, rest: str) -> list[str]:
    return textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,  # German compounds ("KI-Modelle") stay whole
    )


def _render_item(item: DigestItem, group: DigestGroup, digest: Digest) -> list[str]:
    title = _clean(item.title) or t(digest.lang, "(no title)")
    lines = _wrap(title, first=f"{ITEM_MARK} ", rest=INDENT)
    meta: list[str] = []
    if source := _clean(item.source):
        meta.append(source)
    if item.also_in:
        n = len(item.also_in)
        meta.append(tn(digest.lang, "+{n} source", "+{n} sources", n))
    if item.published is not None:
        meta.append(story_time(item.published, digest))
    # The group heading already shows the freshest move; repeat only a different one.
    if item.move is not None and item.move != group.move:
        meta.append(format_move(item.move, lang=digest.lang))
    if item.tags:
        tags = ", ".join(_clean(tag) for tag in item.tags)
        meta.append(t(digest.lang, "also: {tags}", tags=tags))
    if meta:
        lines.extend(_wrap(SEP.join(meta), first=INDENT, rest=INDENT))
    if summary := _clean(item.summary):
        summary_lang = _clean(item.summary_lang or "")
        if summary_lang and summary_lang != digest.lang:
            summary = f"{original_language(summary_lang, digest.lang)} {summary}"
        lines.extend(_wrap(summary, first=INDENT, rest=INDENT))
    if item.link:
        lines.append(INDENT + _clean(item.link))
    return lines


def _heading(group: DigestGroup, digest: Digest) -> str:
    heading = f"{GROUP_MARK} {_clean(group.key)}"
    if group.move is not None:
        heading += "  " + format_move(group.move, lang=digest.lang)
    return heading


def _section(group: DigestGroup, digest: Digest) -> Section:
    heading = _heading(group, digest)
    return Section(
        heading=heading,
        items=tuple("\n".join(_render_item(item, group, digest)) for item in group.items),
        continued=f"{heading} {t(digest.lang, '(cont.)')}",
    )


def render_digest_parts(digest: Digest, limits: AdapterLimits) -> list[str]:
    """The digest as terminal messages within `limits`, in order (no trailing newlines)."""
    lang = digest.lang
    day = format_date(digest.generated_at, lang=lang, tz=digest.timezone)
    if digest.instant:
        header = t(lang, "News alert · {date}", date=day)
    else:
        header = t(lang, "News digest · {date}", date=day)
    footer = None
    if digest.overflow:
        n = digest.overflow
        footer = tn(lang, "{n} more story", "{n} more stories", n)
    elif not digest.groups:
        footer = t(lang, "No new stories.")
    sections = [_section(group, digest) for group in digest.groups]
    parts = split_messages(header, sections, limits=limits, footer=footer)
    return [part.text for part in parts]


def render_digest(digest: Digest) -> str:
    """The digest as terminal text in one message (no trailing newline)."""
    [text] = render_digest_parts(digest, UNLIMITED)
    return text


def render_reply_lines(lines: Iterable[str]) -> str:
    """A command reply, one terminal line per line. Indentation is kept (replies align
    columns with it); control characters go, and an embedded newline starts a new line."""
    out: list[str] = []
    for line in lines:
        parts = line.splitlines() or [""]
        out.extend(_UNSAFE.sub("", part.expandtabs(4)).rstrip() for part in parts)
    return "\n".join(out)
