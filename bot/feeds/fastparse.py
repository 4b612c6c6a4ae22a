"""The fast parse path: lxml instead of feedparser, the very same `ParsedFeed`, or nothing.

feedparser spends most of its time in Python callbacks per element; lxml builds the tree in
C and we read only the fields we keep (`fastparse_walk` replays feedparser's rules for them).
The values must not change with the path, so this path declines (returns None, and
`parse_feed` runs feedparser) whenever it cannot promise feedparser's result:

- a DOCTYPE or ENTITY declaration: nothing is ever expanded, loaded or fetched (billion
  laughs and XXE stay inert because such a document never reaches lxml at all);
- bytes feedparser would flag (a charset it must override, a Content-Type that is not XML,
  no Content-Type over HTTP) or sniff as UTF-16/32, or that lxml does not parse without a
  complaint;
- inline XHTML or base64 content, markup inside a text element, and every element whose
  feedparser handler `fastparse_walk` does not reproduce;
- a document without entries (feedparser decides whether that is a feed at all).

Relative links, xml:base and xml:lang are followed the way feedparser follows them.

`try_parse_fast` says why it declined; tests and `bench/parse.py` count the reasons.
`parse_fast_entries` leaves the entries to be normalized on demand (`ParsedEntries`).
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass

from feedparser.encodings import RE_XML_DECLARATION, RE_XML_PI_ENCODING, parse_content_type
from lxml import etree

from bot.core.models import ParsedFeed
from bot.feeds.fastparse_values import NAMESPACES, Decline
from bot.feeds.fastparse_walk import FeedWalk
from bot.feeds.normalize import ParsedEntries, build_entries

_OTHER_BOMS = (codecs.BOM_UTF32_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF16_BE,
               codecs.BOM_UTF16_LE)
_WIDE_MARKERS = (b"\x4c\x6f\xa7\x94", b"\x00\x3c\x00\x3f", b"\x3c\x00\x3f\x00",
                 b"\x00\x00\x00\x3c", b"\x3c\x00\x00\x00")  # '<?xm' in EBCDIC, UTF-16/32
_WIDE_NAMES = frozenset({"u16", "utf-16", "utf16", "utf_16", "u32", "utf-32", "utf32", "utf_32",
                         "iso-10646-ucs-2", "iso-10646-ucs-4", "csucs4", "csunicode",
                         "ucs-2", "ucs-4"})
_DECLARATION = "<?xml version='1.0' encoding='utf-8'?>"
_FIRST_ELEMENT = re.compile(rb"<\w")
_MARKUP_DECLARATION = re.compile(rb"<!(?!--)")  # DOCTYPE, ENTITY, ... (comments are fine)
# (no leading \s: a literal start lets `re` scan fast; a stray match only adds caution)
_NAMESPACE_DECLARATION = re.compile(
    rb"""xmlns(?::([^\s=/>]+))?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_STANDARD_PREFIXES = frozenset(p.lower() for p in NAMESPACES.values())
_local = threading.local()


@dataclass(frozen=True, slots=True)
class Declined:
    reason: str  # a category: "doctype", "encoding", "element", ...
    detail: str = ""  # e.g. the element or the charset


def parse_fast(data: bytes, *, source: str, content_type: str | None = None
               ) -> ParsedFeed | None:
    """`parse_feed`'s result for this document, or None when only feedparser can say."""
    result = try_parse_fast(data, source=source, content_type=content_type)
    return result if isinstance(result, ParsedFeed) else None


def parse_fast_entries(data: bytes, *, source: str, content_type: str | None = None
                       ) -> ParsedEntries | None:
    """`parse_fast` with the entries not normalized yet."""
    try:
        return _parse(data, source=source, content_type=content_type)
    except Exception:  # a Decline or a surprise: feedparser decides, as in `try_parse_fast`
        return None


def try_parse_fast(data: bytes, *, source: str, content_type: str | None = None
                   ) -> ParsedFeed | Declined:
    try:
        # every entry built here: a surprise while normalizing declines too
        return _parse(data, source=source, content_type=content_type).feed()
    except Decline as decline:
        return Declined(decline.reason, decline.detail)
    except Exception as exc:  # a surprise here must never cost the feed: feedparser decides
        return Declined("error", type(exc).__name__)


def _parse(data: bytes, *, source: str, content_type: str | None) -> ParsedEntries:
    is_http = source.lower().startswith(("http://", "https://"))
    document = to_utf8(data, content_type=content_type, is_http=is_http)
    head = document[:_first_element(document)]
    if _MARKUP_DECLARATION.search(head):
        raise Decline("doctype")
    prefixes, rebound = declared_prefixes(document)
    root = parse_xml(document)
    walk = FeedWalk(prefixes=prefixes, rebound=rebound, base=source if is_http else "")
    walk.element(root, 1)
    if not walk.entries:
        raise Decline("no entries")
    feed = walk.feed
    return build_entries(title=feed.get("title", ""), link=feed.get("link", ""),
                         lang=feed.get("language", ""), entries=walk.raw_entries())


def to_utf8(data: bytes, *, content_type: str | None, is_http: bool) -> bytes:
    """The bytes feedparser hands its XML parser: decoded by the encoding RFC 3023 picks
    from the Content-Type, the BOM and the XML declaration, declared UTF-8 again. Declines
    where feedparser would flag the document (an override, a non-XML type, no type over
    HTTP) or sniff a wide encoding."""
    if data[:4] in _OTHER_BOMS[:2] or data[:2] in _OTHER_BOMS[2:] or data[:4] in _WIDE_MARKERS:
        raise Decline("encoding", "UTF-16/32 or EBCDIC")
    xml_encoding = ""
    bom = data[:3] == codecs.BOM_UTF8
    if bom:
        data = data[3:]
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise Decline("encoding", "invalid UTF-8 after a BOM") from None
    found = RE_XML_PI_ENCODING.match(data)
    if found:
        xml_encoding = found.group(1).decode("utf-8").lower()
        if bom and xml_encoding in _WIDE_NAMES:
            xml_encoding = "utf-8"  # the BOM wins over a declared UTF-16/32
    if not is_http and not content_type:
        encoding = xml_encoding or "utf-8"
    else:
        mime, charset = parse_content_type(content_type or "")
        if mime in ("application/xml", "application/xml-dtd",
                    "application/xml-external-parsed-entity") or (
                mime.startswith("application/") and mime.endswith("+xml")):
            encoding = charset or xml_encoding or "utf-8"
        elif mime in ("text/xml", "text/xml-external-parsed-entity") or (
                mime.startswith("text/") and mime.endswith("+xml")):
            encoding = charset or "us-ascii"
        else:
            raise Decline("content type", mime[:40] or "none")
    if encoding.lower() == "gb2312":
        encoding = "gb18030"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise Decline("encoding", encoding[:40]) from None
    if RE_XML_DECLARATION.search(text):
        text = RE_XML_DECLARATION.sub(_DECLARATION, text)
    else:
        text = f"{_DECLARATION}\n{text}"
    return text.encode("utf-8")


def _first_element(document: bytes) -> int:
    found = _FIRST_ELEMENT.search(document)
    return found.start() if found else len(document)


def declared_prefixes(document: bytes) -> tuple[dict[str, set[str]], set[str]]:
    """Namespace URIs unknown to feedparser → the prefixes declared for them anywhere (""
    for a default namespace), and the prefixes bound to more than one URI. Declines when a
    prefix feedparser reads as one of its own is declared for another known URI: feedparser
    would then rename elements."""
    unknown: dict[str, set[str]] = {}
    renamed: set[str] = set()
    uris: dict[str, set[str]] = {}
    for found in _NAMESPACE_DECLARATION.finditer(document):
        raw = found.group(2) if found.group(2) is not None else found.group(3)
        if b"&" in raw:
            raise Decline("namespaces", "a reference in a namespace URI")
        uri = raw.decode("utf-8")
        prefix = (found.group(1) or b"").decode("utf-8")
        uris.setdefault(prefix, set()).add(uri)
        lowered = uri.lower()
        standard = NAMESPACES.get("http://backend.userland.com/rss"
                                  if "backend.userland.com/rss" in lowered else lowered)
        if standard is None:
            unknown.setdefault(uri, set()).add(prefix)
        elif prefix and standard != prefix:
            renamed.add(prefix.lower())
    used = _STANDARD_PREFIXES | {p.lower() for ps in unknown.values() for p in ps}
    if renamed & used:
        raise Decline("namespaces", "a standard prefix bound to another namespace")
    return unknown, {prefix for prefix, bound in uris.items() if prefix and len(bound) > 1}


def parse_xml(document: bytes) -> etree._Element:
    parser = getattr(_local, "parser", None)
    if parser is None:
        # no DTD, no entities, no network: the document has none of them anyway (see above)
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
            collect_ids=False)
    try:
        root = etree.fromstring(document, parser)
    except etree.XMLSyntaxError as exc:
        raise Decline("malformed", str(exc)[:60]) from None
    if len(parser.error_log):  # warnings expat would not pass: namespaces, odd URIs
        raise Decline("malformed", parser.error_log[0].message[:60])
    if root.getroottree().docinfo.doctype:
        raise Decline("doctype")
    return root
