"""An entry's raw fields, as a feed parser reads them, → `Article`; the feed's → `ParsedFeed`.

Both parse paths (feedparser in `parse`, lxml in `fastparse`) end here, so the rules that turn
markup into our values (which text wins, which link counts, which language hint) exist once.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.dedupe import entry_uid
from bot.core.models import Article, ParsedFeed
from bot.core.text import clean_text, content_hash, detect_lang, html_to_text

MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 1_000
_LANG_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]+)*")


@dataclass(slots=True)
class RawEntry:
    """An entry's fields as the parser hands them over: markup still in, nothing trimmed."""

    title: str = ""
    title_lang: str = ""  # the language declared for the title element (xml:lang)
    summary: str = ""
    summary_lang: str = ""
    contents: list[str] = field(default_factory=list)
    link: str = ""
    guid: str = ""
    published: time.struct_time | None = None  # UTC, as feedparser's date parser gives it
    updated: time.struct_time | None = None


def build_feed(*, title: str, link: str, lang: str, entries: list[RawEntry],
               warning: str | None = None) -> ParsedFeed:
    """`title` and `link` are the feed's raw fields; `lang` its declared language tag."""
    feed_title = build_title(title)
    articles = tuple(build_article(e, feed_title=feed_title, feed_lang=lang) for e in entries)
    return ParsedFeed(title=feed_title, link=web_link(link), lang=_primary(lang),
                      articles=articles, warning=warning)


# html_to_text's output is already clean text (no invisible characters, no "\r"), so
# `clean_text` on it, as the feedparser path used to apply, would change nothing
def build_title(raw: str) -> str:
    return cap(html_to_text(raw), MAX_TITLE_CHARS)


def build_article(entry: RawEntry, *, feed_title: str, feed_lang: str) -> Article:
    title = build_title(entry.title)
    summary = html_to_text(entry.summary)
    texts = [html_to_text(c) for c in entry.contents if c]
    text = cap(max([*texts, summary], key=len, default=""), MAX_TEXT_CHARS)
    # the summary is a separate candidate only when it is not already the text
    description = cap(summary, MAX_TITLE_CHARS * 4) if summary and summary != text else ""
    raw_link = entry.link.strip() or None
    hint = entry.title_lang or entry.summary_lang or feed_lang
    return Article(
        uid=entry_uid(guid=entry.guid or None, link=raw_link, title=title, text=text),
        title=title,
        link=web_link(raw_link),
        published=_utc(entry.published) or _utc(entry.updated),
        text=text,
        lang=detect_lang(f"{title}\n{text}", hint=hint or None),
        feed_title=feed_title,
        content_hash=content_hash(title, text),
        description=description,
    )


def cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip()


def web_link(value: str | None) -> str | None:
    # only http(s) links reach the chat: a "javascript:" or "file:" link is no link to show
    link = clean_text(value or "").strip()
    return link if link.lower().startswith(("http://", "https://")) else None


def _primary(tag: str) -> str | None:
    """"de-DE" → "de", "en_US" → "en"; None for anything that is no language tag."""
    found = _LANG_TAG.fullmatch(tag.strip().lower())
    return found.group(1) if found else None


def _utc(value: time.struct_time | None) -> datetime | None:
    # dates arrive normalized to UTC; a date the parser could not read is None
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:5], min(value.tm_sec, 59), tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
