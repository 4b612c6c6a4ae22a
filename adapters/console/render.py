"""Plain-text layout of digests and replies for a terminal.

    Nachrichten-Überblick · 28. November 2026

    ■ SNOW  -3,37 %
    • Snowflake nimmt DeepSeek-Modelle auf
      Börse Demo · 16:05 · auch: DEEPSEEK, KI
      Snowflake bietet seinen Kunden künftig …
      https://example.org/…

    2 weitere Meldungen

Every label comes from the catalogs, every number and date from `bot.core.i18n`. Feed text
is untrusted: control characters (ANSI escapes among them) and bidi overrides are removed
before anything reaches the terminal. Lines are wrapped for an 80-column terminal; links are
never broken, so they stay clickable.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from datetime import datetime

from bot.core.i18n import format_date, format_datetime_short, format_move, format_time, t, tn
from bot.core.models import Digest, DigestGroup, DigestItem

WIDTH = 80
INDENT = "  "
GROUP_MARK = "■"
ITEM_MARK = "•"
SEP = " · "

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


def _when(published: datetime, digest: Digest) -> str:
    """The time alone for a story of the digest's own day, else day and time."""
    lang, tz = digest.lang, digest.timezone
    same_day = format_date(published, lang=lang, tz=tz) == format_date(
        digest.generated_at, lang=lang, tz=tz
    )
    if same_day:
        return format_time(published, lang=lang, tz=tz)
    return format_datetime_short(published, lang=lang, tz=tz)


def _render_item(item: DigestItem, group: DigestGroup, digest: Digest) -> list[str]:
    title = _clean(item.title) or t(digest.lang, "(no title)")
    lines = _wrap(title, first=f"{ITEM_MARK} ", rest=INDENT)
    meta: list[str] = []
    if source := _clean(item.source):
        meta.append(source)
    if item.published is not None:
        meta.append(_when(item.published, digest))
    # The group heading already shows the freshest move; repeat only a different one.
    if item.move is not None and item.move != group.move:
        meta.append(format_move(item.move, lang=digest.lang))
    if item.tags:
        tags = ", ".join(_clean(tag) for tag in item.tags)
        meta.append(t(digest.lang, "also: {tags}", tags=tags))
    if meta:
        lines.extend(_wrap(SEP.join(meta), first=INDENT, rest=INDENT))
    if summary := _clean(item.summary):
        if item.summary_lang and item.summary_lang != digest.lang:
            summary = f"[{_clean(item.summary_lang)}] {summary}"
        lines.extend(_wrap(summary, first=INDENT, rest=INDENT))
    if item.link:
        lines.append(INDENT + _clean(item.link))
    return lines


def _render_group(group: DigestGroup, digest: Digest) -> list[str]:
    heading = f"{GROUP_MARK} {_clean(group.key)}"
    if group.move is not None:
        heading += "  " + format_move(group.move, lang=digest.lang)
    lines = [heading]
    for index, item in enumerate(group.items):
        if index:
            lines.append("")
        lines.extend(_render_item(item, group, digest))
    return lines


def render_digest(digest: Digest) -> str:
    """The digest as terminal text (no trailing newline)."""
    lang = digest.lang
    day = format_date(digest.generated_at, lang=lang, tz=digest.timezone)
    if digest.instant:
        heading = t(lang, "News alert · {date}", date=day)
    else:
        heading = t(lang, "News digest · {date}", date=day)
    blocks: list[list[str]] = [[heading]]
    blocks.extend(_render_group(group, digest) for group in digest.groups)
    if digest.overflow:
        n = digest.overflow
        blocks.append([tn(lang, "{n} more story", "{n} more stories", n)])
    elif not digest.groups:
        blocks.append([t(lang, "No new stories.")])
    return "\n\n".join("\n".join(block) for block in blocks)


def render_reply_lines(lines: Iterable[str]) -> str:
    """A command reply, one terminal line per line. Indentation is kept (replies align
    columns with it); control characters go, and an embedded newline starts a new line."""
    out: list[str] = []
    for line in lines:
        parts = line.splitlines() or [""]
        out.extend(_UNSAFE.sub("", part.expandtabs(4)).rstrip() for part in parts)
    return "\n".join(out)
