"""Feed bytes → `ParsedFeed`: feedparser at the edge, our plain values out.

feedparser only ever sees an in-memory stream: given a str or bytes it would treat the value
as a URL or a file name and fetch or read it (no timeout, no cap). Its XML parser (expat,
external entities off) leaves billion-laughs and XXE documents inert; the corpus and the tests
hold it to that.

Every failure leaves as `ParseError`, whatever the input: a document feedparser recovers
entries from despite errors is returned with `warning` set; one that yields nothing and does
not even look like a feed (an HTML page, JSON, garbage, nothing) is "not a feed: <reason>".

`ParsedFeed.lang` is the feed's declared language as a primary subtag ("de", "fr"); each
article's `lang` is what `detect_lang` makes of its text, with that declaration as the hint.
"""

from __future__ import annotations

import io
import re
import time
from datetime import UTC, datetime
from typing import Any

import feedparser

from bot.core.dedupe import entry_uid
from bot.core.models import Article, ParsedFeed
from bot.core.text import clean_text, content_hash, detect_lang, html_to_text
from bot.errors import ParseError

MAX_TEXT_CHARS = 20_000
MAX_TITLE_CHARS = 1_000
_HTML_PAGE = re.compile(rb"<!doctype\s+html|<html[\s>]", re.I)
_LANG_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]+)*")
_SAX_PLACE = re.compile(r"^<unknown>:(\d+):(\d+): ")


def parse_feed(data: bytes, *, source: str, content_type: str | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0, RDF or Atom bytes. `source` is the feed's URL or file name
    (an http(s) URL serves as the base for relative links); `content_type` is the HTTP
    Content-Type, whose charset then counts."""
    try:
        return _parse(data, source=source, content_type=content_type)
    except ParseError:
        raise
    except Exception as exc:  # feedparser on hostile input: whatever it raises is ours now
        raise ParseError(_cap(f"cannot parse feed: {type(exc).__name__}: {exc}", 300)) from exc


def _parse(data: bytes, *, source: str, content_type: str | None) -> ParsedFeed:
    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"] = content_type
    if source.lower().startswith(("http://", "https://")):
        headers["content-location"] = source
    # sanitizing and URI rewriting inside HTML are wasted work: we keep plain text only
    parsed: Any = feedparser.parse(io.BytesIO(data), response_headers=headers,
                                   sanitize_html=False, resolve_relative_uris=False)
    feed: Any = parsed.get("feed") or {}
    entries: list[Any] = list(parsed.get("entries") or ())
    version = str(parsed.get("version") or "")
    title = _cap(clean_text(html_to_text(_str(feed.get("title")))), MAX_TITLE_CHARS)
    problem = _problem(parsed)
    if not entries and (not version or (problem is not None and not title)):
        raise ParseError(f"not a feed: {_why_not(data, content_type, problem)}")
    feed_lang = _str(feed.get("language")) or _str(parsed.get("headers", {}).get(
        "content-language"))
    articles = tuple(_article(entry, feed_title=title, feed_lang=feed_lang) for entry in entries)
    return ParsedFeed(title=title, link=_web_link(feed.get("link")), lang=_primary(feed_lang),
                      articles=articles, warning=problem)


def _article(entry: Any, *, feed_title: str, feed_lang: str) -> Article:
    title = _cap(clean_text(html_to_text(_str(entry.get("title")))), MAX_TITLE_CHARS)
    candidates = [_str(c.get("value")) for c in entry.get("content") or () if c]
    summary = clean_text(html_to_text(_str(entry.get("summary"))))
    texts = [clean_text(html_to_text(c)) for c in candidates if c]
    text = _cap(max([*texts, summary], key=len, default=""), MAX_TEXT_CHARS)
    # the summary is a separate candidate only when it is not already the text
    description = _cap(summary, MAX_TITLE_CHARS * 4) if summary and summary != text else ""
    raw_link = _str(entry.get("link")).strip() or None
    hint = (_str((entry.get("title_detail") or {}).get("language"))
            or _str((entry.get("summary_detail") or {}).get("language")) or feed_lang)
    return Article(
        uid=entry_uid(guid=_str(entry.get("id")) or None, link=raw_link, title=title, text=text),
        title=title,
        link=_web_link(raw_link),
        # plain dict lookups: FeedParserDict maps a missing "updated_parsed" to the published
        # date with a DeprecationWarning
        published=_utc(dict.get(entry, "published_parsed"))
        or _utc(dict.get(entry, "updated_parsed")),
        text=text,
        lang=detect_lang(f"{title}\n{text}", hint=hint or None),
        feed_title=feed_title,
        content_hash=content_hash(title, text),
        description=description,
    )


def _problem(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    message = clean_text(str(exc)).strip() if exc is not None else ""
    message = _SAX_PLACE.sub(r"line \1, column \2: ", message)
    return _cap(message or (type(exc).__name__ if exc is not None else "malformed feed"), 300)


def _why_not(data: bytes, content_type: str | None, problem: str | None) -> str:
    if not data.strip():
        return "empty document"
    if _HTML_PAGE.search(data[:2048]) or (content_type or "").lower().startswith("text/html"):
        return "an HTML page, not RSS/Atom"
    return problem or "no RSS, Atom or RDF elements found"


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip()


def _web_link(value: object) -> str | None:
    # only http(s) links reach the chat: a "javascript:" or "file:" link is no link to show
    link = clean_text(_str(value)).strip()
    return link if link.lower().startswith(("http://", "https://")) else None


def _primary(tag: str) -> str | None:
    """"de-DE" → "de", "en_US" → "en"; None for anything that is no language tag."""
    found = _LANG_TAG.fullmatch(tag.strip().lower())
    return found.group(1) if found else None


def _utc(value: object) -> datetime | None:
    # feedparser normalizes dates to UTC struct_time; a date it could not read is None
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:5], min(value.tm_sec, 59), tzinfo=UTC)
    except (ValueError, OverflowError):
        return None
