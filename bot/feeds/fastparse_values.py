"""How feedparser treats single values, for the fast path to do the same: element and
attribute names, URIs, dates, text repairs. Written against feedparser 6.0, partly with its
own helpers; tests/feeds/test_fastparse.py compares the results on feedparser's test suite.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from feedparser.datetimes import _date_handlers, _parse_date
from feedparser.datetimes.rfc822 import _parse_date_rfc822
from feedparser.html import _cp1252
from feedparser.mixin import _FeedParserMixin
from feedparser.urls import _urljoin


class Decline(Exception):  # a verdict rather than an error: feedparser takes over
    """The fast path cannot promise feedparser's result for this document."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# feedparser's namespace table (lower-cased URI → its prefix; "" for the core formats)
NAMESPACES: dict[str, str] = {uri.lower(): prefix
                              for uri, prefix in _FeedParserMixin.namespaces.items()}
USERLAND = "backend.userland.com/rss"
# every element name feedparser has a start or end handler for, as `prefix_local`
HANDLERS = frozenset(name.split("_", 2)[-1] if name.startswith("_start_") else name[5:]
                     for name in dir(_FeedParserMixin)
                     if name.startswith(("_start_", "_end_")))

_TYPE_NAMES = {"text": "text/plain", "plain": "text/plain", "html": "text/html",
               "xhtml": "application/xhtml+xml"}


# an absolute http(s) URL that urllib's split and unsplit give back unchanged: no params,
# no fragment, no empty query, no odd characters
_PLAIN_WEB_URL = re.compile(
    r"https?://[A-Za-z0-9.\-]+(?::[0-9]+)?(?:/(?!/)[A-Za-z0-9\-._~%!$&'()*+,=:@/]*)?"
    r"(?:\?[A-Za-z0-9\-._~%!$&'()*+,=:@/?]+)?")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(?!//)")
_BASE_SCHEMES: dict[str, str | None] = {}


def resolve_uri(base: str, uri: str) -> str:
    """feedparser's `_urljoin(base, uri)`. Its cost (two URL parses) is skipped where the
    result is known: without a base it only drops extra slashes after "scheme://"; against
    a base, a plain absolute http(s) URL comes back as it is, and so does a URI of another
    scheme than the base's ("tag:", "urn:")."""
    if not base:
        return uri if ":///" not in uri else str(_urljoin(base, uri))
    if _PLAIN_WEB_URL.fullmatch(uri):
        return uri
    scheme = _SCHEME.match(uri)
    # urllib drops tabs and line breaks first: "tag:\n//x" would have a network location
    if scheme and "\n" not in uri and "\r" not in uri and "\t" not in uri:
        if base not in _BASE_SCHEMES:
            if len(_BASE_SCHEMES) > 1000:
                _BASE_SCHEMES.clear()
            try:
                _BASE_SCHEMES[base] = urlsplit(base).scheme
            except ValueError:
                _BASE_SCHEMES[base] = None
        base_scheme = _BASE_SCHEMES[base]
        if base_scheme is not None and scheme.group(1).lower() != base_scheme:
            return uri
    return str(_urljoin(base, uri))


# feedparser tries its W3C-DTF parser first, and that one fails on any date that starts with
# a letter ("Thu, 13 Mar 2014 03:58 GMT"): the RFC 822 parser, second in line, can go first.
_RFC822_SECOND = [h.__name__ for h in _date_handlers[:2]] == ["_parse_date_w3dtf",
                                                               "_parse_date_rfc822"]


# the usual RSS date, "Sat, 28 Nov 2026 08:15:00 +0100" (lower-cased, as feedparser reads it)
_RSS_DATE = re.compile(r"(?:mon|tue|wed|thu|fri|sat|sun), (\d\d) "
                       r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) (\d{4}) "
                       r"(\d\d):(\d\d):(\d\d) (?:([+-])(\d\d)(\d\d)|gmt)")
_MONTHS = {name: number for number, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


# the usual Atom date, "2026-11-28T08:15:00+01:00" or "…00.123Z": computed the way feedparser's
# W3C-DTF parser (first in line) computes it; ASCII digits only, anything else goes there
_ISO_DATE = re.compile(r"(?a)(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.\d+)?"
                       r"(?:[Zz]|([+-])(\d\d):(\d\d))")


def parse_date(value: str) -> Any:
    """feedparser's `_parse_date`. The usual RSS and Atom dates are computed the way
    feedparser's RFC 822 and W3C-DTF parsers compute them, without their string handling;
    any other date goes to feedparser."""
    found = _ISO_DATE.fullmatch(value) if _RFC822_SECOND else None
    if found:
        year, month, day, *clock = found.groups()
        return _utc_tuple(value, int(year), int(month), int(day), *clock)
    found = _RSS_DATE.fullmatch(value.lower()) if _RFC822_SECOND else None
    if found:
        day, month, year, *clock = found.groups()
        return _utc_tuple(value, int(year), _MONTHS[month], int(day), *clock)
    if _RFC822_SECOND and value[:1].isascii() and value[:1].isalpha():
        try:
            found = _parse_date_rfc822(value)
        except (KeyError, OverflowError, ValueError, AttributeError):
            found = None
        if found and len(found) == 9:
            return found
    return _parse_date(value)


def _utc_tuple(value: str, year: int, month: int, day: int, hour: str, minute: str,
               second: str, sign: str | None, zone_h: str | None, zone_m: str | None) -> Any:
    """A matched date at its zone's offset as UTC, the way feedparser's parsers compute it;
    an invalid one is what feedparser's other parsers make of `value`."""
    hours, minutes = (int(zone_h or 0), int(zone_m or 0)) if sign else (0, 0)
    if sign == "-":
        hours, minutes = -hours, -minutes
    try:
        stamp = datetime(year, month, day, int(hour), int(minute), int(second))
        return (stamp - timedelta(minutes=minutes, hours=hours)).utctimetuple()
    except (ValueError, OverflowError):
        return _parse_date(value)


def content_type(value: str) -> str:
    """A content type as feedparser maps Atom's short names."""
    value = value.lower()
    return _TYPE_NAMES.get(value, value)


def element_attrs(items: list[tuple[str, str]]) -> dict[str, str]:
    """Attributes as feedparser's handlers see them: keys lower-cased, known namespaces as
    their prefix ("xml:lang", "rdf:about"), every attribute also under its bare local name,
    `rel` and `type` values lower-cased."""
    attrs: dict[str, str] = {}
    bare: list[tuple[str, str]] = []
    for name, value in items:
        if name[0] == "{":
            uri, _, local = name[1:].partition("}")
            prefix = NAMESPACES.get(uri.lower(), "")
            attrs[(f"{prefix}:{local}" if prefix else local).lower()] = value
        else:
            local = name
            attrs[name.lower()] = value
        bare.append((local.lower(), value))
    if len({local for local, _ in bare}) < len(bare):
        raise Decline("attributes", "two with one local name")
    for local, value in bare:
        attrs[local] = value
    for key in ("rel", "type"):
        if key in attrs:
            attrs[key] = attrs[key].lower()
    return attrs


def _as_utf8(value: str) -> str:
    """feedparser repairs UTF-8 that was read as Latin-1 ("GrÃ¼ÃŸe" → "Grüße")."""
    try:
        return value.encode("iso-8859-1").decode("utf-8")
    except UnicodeError:
        return value


_CP1252: dict[int, str] = dict(_cp1252)
_C1 = re.compile("[\x80-\x9f]")


def repair_text(value: str) -> str:
    """What feedparser does to every non-ASCII value: UTF-8 read as Latin-1 is decoded again,
    C1 control characters become the cp1252 characters they stand for ("\x80" → "€")."""
    value = _as_utf8(value)
    return value.translate(_CP1252) if _C1.search(value) else value
