"""Slack layout of digests, replies and notices: pure functions from neutral values to
`chat.postMessage` payloads (`{"text": …, "blocks": [Block Kit blocks]}`), JSON-shaped so
tests compare them with golden files and the adapter posts them as they are.

A digest message is a `header` block (the title, with "(i/n)" when split), then per group a
`divider` and a `section` with the key and the price move, then per story a `section`
(`*<url|title>*` and the summary) and a `context` line (link host, source, time, move,
tags), and on the last message the overflow line as a `context` block. The `text` of every
message is the plain fallback Slack shows in notifications: the header and the titles.

Slack's limits are data (`LIMITS`) and are enforced through `bot.core.split.split_messages`
with `slack_len` as the measure (characters of the escaped text, which is what Slack
counts): at most `MAX_ITEMS_PER_MESSAGE` stories per message keeps the blocks ≤ 50; a story
is capped below the 3,000 characters of a section before splitting; the total text of a
message's blocks stays within `LIMITS.block_text_budget`. A split digest is posted as a
parent message and thread replies (the adapter does that).

Feed text is untrusted. Controls, zero-width and bidi characters are removed and `&`, `<`,
`>` are escaped in every piece of feed text (and in our own replies, which quote user
input), so `<!channel>`, `<@U123>` and `<https://evil|label>` arrive as inert text; links
are only http(s) URLs without spaces, `|` or angle brackets, and the context line shows the
link's real host. Messages never ask Slack to parse names (`link_names`, `parse=full`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from bot.core.i18n import format_date, format_move, t, tn
from bot.core.labels import original_language, story_time
from bot.core.models import Digest, DigestGroup, DigestItem, Reply
from bot.core.split import Layout, Section, split_messages
from bot.ports import AdapterLimits

Payload = dict[str, Any]
Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackLimits:
    """Slack's message limits (characters), from its API documentation; `block_text_budget`
    is our own margin under the ≈12k total after which Slack answers `msg_blocks_too_long`."""

    blocks: int = 50
    section_text: int = 3000
    header_text: int = 150
    context_elements: int = 10
    context_text: int = 3000
    block_text_budget: int = 10_000
    text: int = 4000  # `text`: the practical limit (the hard one is 40,000)


LIMITS = SlackLimits()
# blocks per message: header + footer + per group (divider + heading) + per story
# (section + context) ≤ 2 + 4 × 10 = 42 ≤ 50
MAX_ITEMS_PER_MESSAGE = 10
TITLE_CAP = 300  # a story title (escaped), inside its link
SUMMARY_CAP = 1500  # a story's summary (escaped)
CONTEXT_CAP = 600  # a story's context line (escaped)
LINK_CAP = 1000  # a longer link is not linked (a URL cannot be shortened); its host shows
KEY_CAP = 100  # a group key in its heading
FALLBACK_CAP = 3000  # the notification fallback `text`, below the 4,000 limit
DIGEST_LIMITS = AdapterLimits(max_chars=LIMITS.block_text_budget,
                              max_items=MAX_ITEMS_PER_MESSAGE)
_LAYOUT = Layout(section_sep="\n", heading_sep="\n", item_sep="\n")
SEP = " · "

# C0/C1 controls, zero-width characters, bidi embeddings/overrides/isolates, BOM
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SAFE_URL = re.compile(r"^https?://[^\s<>|\"'`]+$")


def escape(text: str) -> str:
    """Slack's three control characters escaped (`&` first): mentions, channel pings and
    links written by a feed become plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_len(text: str) -> int:
    """What Slack counts: characters of the (already escaped) text."""
    return len(text)


def clean(text: str) -> str:
    """One line of untrusted text: whitespace collapsed, unsafe characters removed, escaped."""
    return escape(_UNSAFE.sub("", " ".join(text.split())))


def safe_link(link: str | None) -> str | None:
    """A link Slack may show: http(s), no whitespace, quotes, `|` or angle brackets; `&`
    escaped as Slack wants it inside `<…>`."""
    if not link:
        return None
    link = _UNSAFE.sub("", link.strip())
    if not _SAFE_URL.match(link) or len(link) > LINK_CAP:
        return None
    return link.replace("&", "&amp;")


def _host(link: str) -> str:
    return clean(urlsplit(link.replace("&amp;", "&")).hostname or "")


def cut(text: str, room: int, ellipsis: str = "…") -> str:
    """Escaped `text` within `room` characters, ended at a word with `ellipsis` when
    shortened; an entity (`&amp;`) is never cut in half."""
    if slack_len(text) <= room:
        return text
    budget = max(0, room - slack_len(ellipsis))
    prefix = text[:budget]
    amp = prefix.rfind("&")
    if amp != -1 and ";" not in prefix[amp:]:
        prefix = prefix[:amp]
    space = prefix.rfind(" ")
    if space > budget // 2:
        prefix = prefix[:space]
    return prefix.rstrip() + ellipsis


def _title(item: DigestItem, digest: Digest) -> str:
    return cut(clean(item.title) or escape(t(digest.lang, "(no title)")), TITLE_CAP)


def story(item: DigestItem, group: DigestGroup, digest: Digest) -> tuple[str, str]:
    """A story as (section mrkdwn, context mrkdwn), both escaped and within their caps."""
    lang = digest.lang
    title = _title(item, digest)
    link = safe_link(item.link)
    head = f"*<{link}|{title}>*" if link else f"*{title}*"
    lines = [head]
    if summary := clean(item.summary):
        summary_lang = clean(item.summary_lang or "")
        if summary_lang and summary_lang != lang:
            summary = f"{escape(original_language(summary_lang, lang))} {summary}"
        lines.append(cut(summary, SUMMARY_CAP))
    meta: list[str] = []
    if link and (host := _host(link)):
        meta.append(host)
    if source := clean(item.source):
        meta.append(source)
    if item.also_in:
        meta.append(escape(tn(lang, "+{n} source", "+{n} sources", len(item.also_in))))
    if item.published is not None:
        meta.append(escape(story_time(item.published, digest)))
    if item.move is not None and item.move != group.move:
        meta.append(escape(format_move(item.move, lang=lang)))
    if item.tags:
        tags = ", ".join(_UNSAFE.sub("", " ".join(x.split())) for x in item.tags)
        meta.append(escape(t(lang, "also: {tags}", tags=tags)))
    context = cut(SEP.join(meta), CONTEXT_CAP) if meta else "—"
    return "\n".join(lines), context


def heading(group: DigestGroup, digest: Digest, *, continued: bool = False) -> str:
    """A group's heading (mrkdwn): the key in bold, the move after it."""
    text = f"*{cut(clean(group.key), KEY_CAP) or '—'}*"
    if continued:
        text += " " + escape(t(digest.lang, "(cont.)"))
    if group.move is not None:
        arrow = "▲" if group.move > 0 else "▼" if group.move < 0 else "■"
        text += f"  {arrow} {escape(format_move(group.move, lang=digest.lang))}"
    return text


def _header(digest: Digest) -> str:
    day = format_date(digest.generated_at, lang=digest.lang, tz=digest.timezone)
    if digest.instant:
        return t(digest.lang, "News alert · {date}", date=day)
    return t(digest.lang, "News digest · {date}", date=day)


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _fallback(header: str, titles: Sequence[str], footer: str | None) -> str:
    """The notification text: the header, then one line per story title, within the cap."""
    lines = [escape(header)]
    used = slack_len(lines[0])
    for n, title in enumerate(titles):
        line = f"• {title}"
        if used + 1 + slack_len(line) > FALLBACK_CAP - 10:
            lines.append(f"• … (+{len(titles) - n})")
            break
        lines.append(line)
        used += 1 + slack_len(line)
    if footer is not None and used + 1 + slack_len(footer) <= FALLBACK_CAP:
        lines.append(footer)
    return "\n".join(lines)


def render_digest(digest: Digest) -> list[Payload]:
    """The digest as Slack messages, in order (the first is the parent, the others go into
    its thread), every one within `LIMITS`."""
    lang = digest.lang
    footer = None
    if digest.overflow:
        footer = escape(tn(lang, "{n} more story", "{n} more stories", digest.overflow))
    elif not digest.groups:
        footer = escape(t(lang, "No new stories."))
    sections = [
        Section(heading=heading(g, digest),
                items=tuple("\n".join(story(i, g, digest)) for i in g.items),
                continued=heading(g, digest, continued=True))
        for g in digest.groups
    ]
    parts = split_messages(_header(digest), sections, limits=DIGEST_LIMITS, footer=footer,
                           layout=_LAYOUT, measure=slack_len)
    messages: list[Payload] = []
    for part in parts:
        blocks: list[Block] = [{"type": "header", "text": {
            "type": "plain_text", "text": cut(part.header, LIMITS.header_text), "emoji": True}}]
        titles: list[str] = []
        for section in part.sections:
            group = digest.groups[section.index]
            assert section.heading is not None
            blocks.append({"type": "divider"})
            blocks.append({"type": "section", "text": _mrkdwn(section.heading)})
            shown = group.items[section.start:section.start + len(section.items)]
            for item in shown:
                text, context = story(item, group, digest)
                blocks.append({"type": "section", "text": _mrkdwn(text)})
                blocks.append({"type": "context", "elements": [_mrkdwn(context)]})
                titles.append(_title(item, digest))
        if part.footer is not None:
            blocks.append({"type": "context", "elements": [_mrkdwn(part.footer)]})
        messages.append({"text": _fallback(part.header, titles, part.footer),
                         "blocks": blocks})
    return messages


def _chunks(lines: Iterable[str], room: int) -> list[str]:
    """Escaped lines packed into texts of at most `room` characters (a too long line is
    cut)."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = cut(line, room)
        cost = slack_len(line) + (1 if current else 0)
        if current and size + cost > room:
            out.append("\n".join(current))
            current, size = [], 0
            cost = slack_len(line)
        current.append(line)
        size += cost
    if current:
        out.append("\n".join(current))
    return out


def _reply_lines(lines: Iterable[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        for part in line.splitlines() or [""]:
            out.append(escape(_UNSAFE.sub("", part.expandtabs(4)).rstrip()))
    return out


def render_text(lines: Iterable[str]) -> list[Payload]:
    """Plain text (a command reply, a notice) as text-only messages within the text limit.
    Slack reads `text` as mrkdwn, so it is escaped like feed text."""
    texts = _chunks(_reply_lines(lines), LIMITS.text)
    return [{"text": text} for text in texts or ["—"]]


def render_reply(reply: Reply) -> list[Payload]:
    """A command reply: its lines first (an error marked ⚠), then its digest, if any."""
    messages: list[Payload] = []
    if reply.lines:
        lines = list(reply.lines)
        if reply.error:
            lines[0] = f"⚠ {lines[0]}"
        messages.extend(render_text(lines))
    if reply.digest is not None:
        messages.extend(render_digest(reply.digest))
    return messages or render_text(["—"])


def _block_texts(block: Block) -> list[tuple[str, str]]:
    """(kind, text) of every text a block carries."""
    kind = block.get("type", "")
    if kind in {"section", "header"}:
        text = (block.get("text") or {}).get("text") or ""
        return [(kind, text)]
    if kind == "context":
        return [("context", (e.get("text") or "")) for e in block.get("elements") or []]
    return []


def message_violations(message: Payload) -> list[str]:
    """Every Slack limit `message` breaks (empty when it is valid). Used by the tests and as
    a last check before sending."""
    problems: list[str] = []
    text = message.get("text") or ""
    blocks: list[Block] = message.get("blocks") or []
    if not text.strip():
        problems.append("empty fallback text")
    if slack_len(text) > LIMITS.text:
        problems.append(f"text {slack_len(text)} > {LIMITS.text}")
    if len(blocks) > LIMITS.blocks:
        problems.append(f"{len(blocks)} blocks > {LIMITS.blocks}")
    for key in ("link_names", "parse"):
        if key in message:
            problems.append(f"{key} must not be set")
    total = 0
    for n, block in enumerate(blocks):
        kind = block.get("type")
        if kind not in {"header", "section", "context", "divider"}:
            problems.append(f"block {n}: unexpected type {kind!r}")
        if kind == "context" and len(block.get("elements") or []) > LIMITS.context_elements:
            problems.append(f"block {n}: too many context elements")
        for part, value in _block_texts(block):
            limit = {"header": LIMITS.header_text, "section": LIMITS.section_text,
                     "context": LIMITS.context_text}[part]
            if not value.strip():
                problems.append(f"block {n} {part}: empty text")
            if slack_len(value) > limit:
                problems.append(f"block {n} {part} {slack_len(value)} > {limit}")
            total += slack_len(value)
    if total > LIMITS.block_text_budget:
        problems.append(f"block text {total} > {LIMITS.block_text_budget}")
    return problems
