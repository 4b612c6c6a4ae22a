"""Feed bytes → `ParsedFeed`: feedparser at the edge, our plain values out.

feedparser only ever sees an in-memory stream: given a str or bytes it would treat the value
as a URL or a file name and fetch or read it (no timeout, no cap). Its XML parser (expat,
external entities off) leaves billion-laughs and XXE documents inert; the corpus and the tests
hold it to that.

Well-formed RSS, RDF and Atom first take the fast path (`bot.feeds.fastparse`, lxml): it gives
the very values feedparser would, several times faster, and declines whatever it cannot
reproduce exactly, which then goes through feedparser as before (`fast=False` skips it).

Every failure leaves as `ParseError`, whatever the input: a document feedparser recovers
entries from despite errors is returned with `warning` set; one that yields nothing and does
not even look like a feed (an HTML page, JSON, garbage, nothing) is "not a feed: <reason>".

`ParsedFeed.lang` is the feed's declared language as a primary subtag ("de", "fr"); each
article's `lang` is what `detect_lang` makes of its text, with that declaration as the hint.

`parse_feed_entries` is `parse_feed` with the entries normalized on demand (`ParsedEntries`):
the poller builds only the entries it does not know yet.
"""

from __future__ import annotations

import io
import re
from typing import Any

import feedparser

from bot.core.models import ParsedFeed
from bot.core.text import clean_text
from bot.errors import ParseError
from bot.feeds.fastparse import parse_fast, parse_fast_entries
from bot.feeds.normalize import (
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    ParsedEntries,
    RawEntry,
    build_entries,
    build_title,
    cap,
)

__all__ = ["MAX_TEXT_CHARS", "MAX_TITLE_CHARS", "ParsedEntries", "parse_feed",
           "parse_feed_entries", "response_headers"]

_HTML_PAGE = re.compile(rb"<!doctype\s+html|<html[\s>]", re.I)
_SAX_PLACE = re.compile(r"^<unknown>:(\d+):(\d+): ")


def parse_feed(data: bytes, *, source: str, content_type: str | None = None,
               fast: bool = True) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0, RDF or Atom bytes. `source` is the feed's URL or file name
    (an http(s) URL serves as the base for relative links); `content_type` is the HTTP
    Content-Type, whose charset then counts. `fast` tries the lxml path first."""
    if fast:
        # built in full there: an entry the fast path cannot normalize goes to feedparser
        parsed = parse_fast(data, source=source, content_type=content_type)
        if parsed is not None:
            return parsed
    return parse_feed_entries(data, source=source, content_type=content_type,
                              fast=False).feed()


def parse_feed_entries(data: bytes, *, source: str, content_type: str | None = None,
                       fast: bool = True) -> ParsedEntries:
    """`parse_feed`, its entries normalized only when asked for (`ParsedEntries.build`,
    which raises `ParseError` too); the arguments are `parse_feed`'s."""
    if fast:
        entries = parse_fast_entries(data, source=source, content_type=content_type)
        if entries is not None:
            return entries
    try:
        return _parse(data, source=source, content_type=content_type)
    except ParseError:
        raise
    except Exception as exc:  # feedparser on hostile input: whatever it raises is ours now
        raise ParseError(cap(f"cannot parse feed: {type(exc).__name__}: {exc}", 300)) from exc


def response_headers(source: str, content_type: str | None) -> dict[str, str]:
    """The HTTP headers feedparser is told about: they decide the encoding and the base."""
    headers: dict[str, str] = {}
    if content_type:
        headers["content-type"] = content_type
    if source.lower().startswith(("http://", "https://")):
        headers["content-location"] = source
    return headers


def _parse(data: bytes, *, source: str, content_type: str | None) -> ParsedEntries:
    # sanitizing and URI rewriting inside HTML are wasted work: we keep plain text only
    parsed: Any = feedparser.parse(io.BytesIO(data),
                                   response_headers=response_headers(source, content_type),
                                   sanitize_html=False, resolve_relative_uris=False)
    feed: Any = parsed.get("feed") or {}
    entries: list[Any] = list(parsed.get("entries") or ())
    version = str(parsed.get("version") or "")
    raw_title = _str(feed.get("title"))
    problem = _problem(parsed)
    if not entries and (not version or (problem is not None and not build_title(raw_title))):
        raise ParseError(f"not a feed: {_why_not(data, content_type, problem)}")
    feed_lang = _str(feed.get("language")) or _str(parsed.get("headers", {}).get(
        "content-language"))
    return build_entries(title=raw_title, link=_str(feed.get("link")), lang=feed_lang,
                         entries=[_raw(entry) for entry in entries], warning=problem)


def _raw(entry: Any) -> RawEntry:
    return RawEntry(
        title=_str(entry.get("title")),
        title_lang=_str((entry.get("title_detail") or {}).get("language")),
        summary=_str(entry.get("summary")),
        summary_lang=_str((entry.get("summary_detail") or {}).get("language")),
        contents=[_str(c.get("value")) for c in entry.get("content") or () if c],
        link=_str(entry.get("link")),
        guid=_str(entry.get("id")),
        # plain dict lookups: FeedParserDict maps a missing "updated_parsed" to the published
        # date with a DeprecationWarning
        published=dict.get(entry, "published_parsed"),
        updated=dict.get(entry, "updated_parsed"),
    )


def _problem(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exc = parsed.get("bozo_exception")
    message = clean_text(str(exc)).strip() if exc is not None else ""
    message = _SAX_PLACE.sub(r"line \1, column \2: ", message)
    return cap(message or (type(exc).__name__ if exc is not None else "malformed feed"), 300)


def _why_not(data: bytes, content_type: str | None, problem: str | None) -> str:
    if not data.strip():
        return "empty document"
    if _HTML_PAGE.search(data[:2048]) or (content_type or "").lower().startswith("text/html"):
        return "an HTML page, not RSS/Atom"
    return problem or "no RSS, Atom or RDF elements found"


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
