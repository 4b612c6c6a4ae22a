"""Discord layout of digests, replies and notices: pure functions from neutral values to
message payloads (`{"content": …, "embeds": [embed dicts]}`), JSON-shaped so tests compare
them with golden files and the adapter hands them to `discord.Embed.from_dict`.

A digest message is the header (and, on the last one, the overflow line) as `content`, and
one embed per group: the group key as title, the price move as description, one field per
story (its title as the name; source, time, tags, summary and link as the value), a footer
with the sources and the time, and a colour by the move (green up, red down).

Discord's limits are data (`LIMITS`) and are enforced through `bot.core.split.split_messages`
measuring in UTF-16 code units, as Discord counts: a message holds at most `MAX_ITEMS_PER_MESSAGE`
stories, so never more than 10 embeds or 25 fields; a field name and value are capped before
splitting; the embed footers' share of the 6,000 total is reserved up front.

Feed text is untrusted. Controls, zero-width and bidi characters are removed; Markdown is
escaped (no masked links with spoofed labels, no headings); `@` is followed by a word joiner
and `<` escaped, so `@everyone`, `<@&1>` and `<@1>` stay inert even in `content`. The adapter
also sends every message with `allowed_mentions` parsing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.core.i18n import format_date, format_move, format_time, t, tn
from bot.core.labels import original_language, story_time
from bot.core.models import Digest, DigestGroup, DigestItem, Reply
from bot.core.split import Layout, Section, split_messages
from bot.ports import AdapterLimits

Payload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class DiscordLimits:
    """Discord's message limits (UTF-16 code units), from its API documentation."""

    content: int = 2000
    embeds: int = 10
    embed_total: int = 6000
    title: int = 256
    description: int = 4096
    fields: int = 25
    field_name: int = 256
    field_value: int = 1024
    footer: int = 2048


LIMITS = DiscordLimits()
MAX_ITEMS_PER_MESSAGE = 10  # ≤ 10 embeds (one per group) and ≤ 25 fields per message
FOOTER_CAP = 80  # our own cap on an embed footer; reserved per embed from the 6,000 total
TITLE_CAP = 200  # a field name (story title), below the 256 limit
VALUE_CAP = 1000  # a field value, below the 1,024 limit
# what the splitter may fill per message: the embed total less every embed's footer
DIGEST_LIMITS = AdapterLimits(
    max_chars=LIMITS.embed_total - LIMITS.embeds * FOOTER_CAP,
    max_items=MAX_ITEMS_PER_MESSAGE,
)
_LAYOUT = Layout(section_sep="\n\n", heading_sep="\n", item_sep="\n")

COLOUR_UP = 0x2ECC71
COLOUR_DOWN = 0xE74C3C
COLOUR_NEUTRAL = 0x5865F2
COLOUR_ERROR = 0xED4245

SEP = " · "
# C0/C1 controls, zero-width characters, bidi embeddings/overrides/isolates, BOM
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_MARKDOWN = re.compile(r"([\\*_~`|\[\]<>#])")
WORD_JOINER = "\u2060"


def utf16_len(text: str) -> int:
    """Length as Discord counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def defuse_mentions(text: str) -> str:
    """`@everyone`, `@here`, `<@1>`, `<@&1>` and `<#1>` made inert: a word joiner after
    every `@` (Discord then sees no mention), which the joiner-stripping cleaner put nowhere
    else."""
    return text.replace("@", "@" + WORD_JOINER)


def clean(text: str, *, markdown: bool = True) -> str:
    """One line of untrusted feed text: whitespace collapsed, unsafe characters removed,
    Markdown escaped (not where Discord shows plain text: footers), mentions defused."""
    line = _UNSAFE.sub("", " ".join(text.split()))
    if markdown:
        line = _MARKDOWN.sub(r"\\\1", line)
    return defuse_mentions(line)


def safe_link(link: str | None) -> str | None:
    """A link shown as the real URL (Discord links it): http(s) only, no spaces or brackets."""
    if not link:
        return None
    link = _UNSAFE.sub("", link.strip())
    if not re.match(r"^https?://[^\s<>()\[\]`]+$", link):
        return None
    return link


def cut(text: str, room: int, ellipsis: str = "…") -> str:
    """`text` within `room` UTF-16 units, ended at a word with `ellipsis` when shortened."""
    if utf16_len(text) <= room:
        return text
    budget = room - utf16_len(ellipsis)
    used = end = 0
    for ch in text:
        used += utf16_len(ch)
        if used > budget:
            break
        end += 1
    prefix = text[:end]
    space = prefix.rfind(" ")
    if space > budget // 2:
        prefix = prefix[:space]
    # never leave a lone escaping backslash at the end
    while prefix.endswith("\\") and (len(prefix) - len(prefix.rstrip("\\"))) % 2:
        prefix = prefix[:-1]
    return prefix.rstrip() + ellipsis


def _item(item: DigestItem, group: DigestGroup, digest: Digest) -> str:
    """A story as the splitter sees it: the field name on the first line, the value below."""
    lang = digest.lang
    title = cut(clean(item.title) or t(lang, "(no title)"), TITLE_CAP)
    meta: list[str] = []
    if source := clean(item.source):
        meta.append(source)
    if item.also_in:
        meta.append(tn(lang, "+{n} source", "+{n} sources", len(item.also_in)))
    if item.published is not None:
        meta.append(story_time(item.published, digest))
    if item.move is not None and item.move != group.move:
        meta.append(format_move(item.move, lang=lang))
    if item.tags:
        meta.append(t(lang, "also: {tags}", tags=", ".join(clean(x) for x in item.tags)))
    lines: list[str] = []
    if meta:
        lines.append(cut(SEP.join(meta), VALUE_CAP // 4))
    link = safe_link(item.link)
    if summary := clean(item.summary):
        summary_lang = clean(item.summary_lang or "")
        if summary_lang and summary_lang != lang:
            summary = f"{original_language(summary_lang, lang)} {summary}"
        room = VALUE_CAP - sum(utf16_len(x) + 1 for x in lines)
        room -= utf16_len(link) + 1 if link else 0
        if room > 20:
            lines.append(cut(summary, room))
    if link:
        if utf16_len(link) > VALUE_CAP - sum(utf16_len(x) + 1 for x in lines):
            link = cut(link, VALUE_CAP // 2)
        lines.append(link)
    return "\n".join([title, *lines] if lines else [title, "—"])


def _heading(group: DigestGroup, digest: Digest, *, continued: bool = False) -> str:
    """The embed title, and on a second line its description (the move)."""
    title = clean(group.key) or "—"
    if continued:
        title = f"{title} {t(digest.lang, '(cont.)')}"
    title = cut(title, LIMITS.title)
    if group.move is not None:
        arrow = "▲" if group.move > 0 else "▼" if group.move < 0 else "■"
        return f"{title}\n{arrow} {format_move(group.move, lang=digest.lang)}"
    return title


def colour(move: float | None) -> int:
    if move is None or round(move, 2) == 0:
        return COLOUR_NEUTRAL
    return COLOUR_UP if move > 0 else COLOUR_DOWN


def _footer(group: DigestGroup, start: int, count: int, digest: Digest) -> str:
    """Sources of the stories shown and the digest's time, within FOOTER_CAP."""
    shown = group.items[start:start + count]
    sources = list(dict.fromkeys(
        s for s in (clean(i.source, markdown=False) for i in shown) if s))
    when = format_time(digest.generated_at, lang=digest.lang, tz=digest.timezone)
    head = cut(", ".join(sources), FOOTER_CAP - utf16_len(SEP + when)) if sources else ""
    return f"{head}{SEP}{when}" if head else when


def _header(digest: Digest) -> str:
    day = format_date(digest.generated_at, lang=digest.lang, tz=digest.timezone)
    if digest.instant:
        return t(digest.lang, "News alert · {date}", date=day)
    return t(digest.lang, "News digest · {date}", date=day)


def render_digest(digest: Digest) -> list[Payload]:
    """The digest as Discord messages, in order, every one within `LIMITS`."""
    lang = digest.lang
    footer = None
    if digest.overflow:
        footer = tn(lang, "{n} more story", "{n} more stories", digest.overflow)
    elif not digest.groups:
        footer = t(lang, "No new stories.")
    sections = [
        Section(heading=_heading(g, digest),
                items=tuple(_item(i, g, digest) for i in g.items),
                continued=_heading(g, digest, continued=True))
        for g in digest.groups
    ]
    parts = split_messages(f"**{_header(digest)}**", sections, limits=DIGEST_LIMITS,
                           footer=footer, layout=_LAYOUT, measure=utf16_len)
    messages: list[Payload] = []
    for part in parts:
        embeds: list[Payload] = []
        for section in part.sections:
            group = digest.groups[section.index]
            assert section.heading is not None
            title, _, description = section.heading.partition("\n")
            embed: Payload = {"title": title, "color": colour(group.move)}
            if description:
                embed["description"] = description
            embed["fields"] = [
                {"name": name, "value": value or "—", "inline": False}
                for name, _, value in (item.partition("\n") for item in section.items)
            ]
            embed["footer"] = {"text": _footer(group, section.start, len(section.items), digest)}
            embed["timestamp"] = digest.generated_at.isoformat()
            embeds.append(embed)
        content = part.header if part.footer is None else f"{part.header}\n{part.footer}"
        messages.append({"content": content, "embeds": embeds})
    return messages


def _chunks(lines: Iterable[str], room: int) -> list[str]:
    """Lines packed into texts of at most `room` UTF-16 units (a too long line is cut)."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        for line in (raw.splitlines() or [""]):
            line = cut(line, room)
            cost = utf16_len(line) + (1 if current else 0)
            if current and size + cost > room:
                out.append("\n".join(current))
                current, size = [], 0
                cost = utf16_len(line)
            current.append(line)
            size += cost
    if current:
        out.append("\n".join(current))
    return out


def _reply_line(line: str) -> str:
    return defuse_mentions(_UNSAFE.sub("", line.expandtabs(4)).rstrip())


FENCE = "```"


def render_text(lines: Iterable[str]) -> list[Payload]:
    """Plain text (a command reply, a notice) as content-only messages within 2,000. A code
    block (`watchlist export`) split between two messages is closed and reopened."""
    texts = _chunks((_reply_line(x) for x in lines), LIMITS.content - 2 * (len(FENCE) + 1))
    out: list[str] = []
    open_fence = False
    for text in texts:
        if open_fence:
            text = f"{FENCE}\n{text}"
        open_fence = text.count(FENCE) % 2 == 1
        out.append(f"{text}\n{FENCE}" if open_fence else text)
    return [{"content": text, "embeds": []} for text in out or ["—"]]


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


def payload_violations(message: Payload) -> list[str]:
    """Every Discord limit `message` breaks (empty when it is valid). Used by the tests and
    as a last check before sending."""
    problems: list[str] = []
    content = message.get("content") or ""
    embeds: list[Payload] = message.get("embeds") or []
    if utf16_len(content) > LIMITS.content:
        problems.append(f"content {utf16_len(content)} > {LIMITS.content}")
    if len(embeds) > LIMITS.embeds:
        problems.append(f"{len(embeds)} embeds > {LIMITS.embeds}")
    if not content and not embeds:
        problems.append("empty message")
    total = 0
    for n, embed in enumerate(embeds):
        title = embed.get("title") or ""
        description = embed.get("description") or ""
        footer = (embed.get("footer") or {}).get("text") or ""
        fields: list[Payload] = embed.get("fields") or []
        for name, value, limit in (("title", title, LIMITS.title),
                                   ("description", description, LIMITS.description),
                                   ("footer", footer, LIMITS.footer)):
            if utf16_len(value) > limit:
                problems.append(f"embed {n} {name} {utf16_len(value)} > {limit}")
        if len(fields) > LIMITS.fields:
            problems.append(f"embed {n}: {len(fields)} fields > {LIMITS.fields}")
        total += utf16_len(title) + utf16_len(description) + utf16_len(footer)
        for f, field in enumerate(fields):
            name, value = field.get("name") or "", field.get("value") or ""
            if not name or not value:
                problems.append(f"embed {n} field {f} empty")
            if utf16_len(name) > LIMITS.field_name:
                problems.append(f"embed {n} field {f} name {utf16_len(name)}")
            if utf16_len(value) > LIMITS.field_value:
                problems.append(f"embed {n} field {f} value {utf16_len(value)}")
            total += utf16_len(name) + utf16_len(value)
    if total > LIMITS.embed_total:
        problems.append(f"embeds total {total} > {LIMITS.embed_total}")
    return problems
