"""feedparser's reading of a feed, replayed over an lxml tree for the fields we keep.

feedparser is a SAX state machine: which element sets an entry's title, summary or link
depends on flags (in an entry, in an image, in a source), on depth (a shallower title beats a
deeper one), on order (a second description becomes content) and on its quirks (a guid is a
link until a link comes, a relative guid is resolved against the feed's URL). `FeedWalk` keeps
the same state in the same order for the elements whose handlers we reproduce (the table
below, written against feedparser 6.0) and raises `Decline` at any element whose handler
it does not know, so an unfamiliar extension means "ask feedparser", never a guess.
"""

from __future__ import annotations

import re
from typing import Any

from feedparser.urls import _urljoin, make_safe_absolute_uri

from bot.feeds.fastparse_values import (
    HANDLERS,
    NAMESPACES,
    USERLAND,
    Decline,
    content_type,
    element_attrs,
    parse_date,
    repair_text,
    resolve_uri,
)
from bot.feeds.normalize import RawEntry

# what we do at each element, by feedparser's handler name
GENERIC = 0  # no handler: its text lands under its own name, nothing of ours changes
INERT = 1  # a handler that only touches fields we do not read (authors, tags, media)
INERT_TEXT = 2  # such a handler that also opens a text construct: markup inside changes mode
END_ONLY = 3  # only an end handler, which fails on an element with attributes
RSS, CHANNEL, FEED, ITEM, IMAGE, TEXTINPUT, SOURCE = 10, 11, 12, 13, 14, 15, 16
TITLE, MEDIA_TITLE, DESCRIPTION, SUMMARY, CONTENT, ENCODED = 20, 21, 22, 23, 24, 25
LINK, GUID, PUBLISHED, UPDATED, LANGUAGE = 26, 27, 28, 29, 30

_TABLE: dict[str, int] = {
    "rss": RSS, "channel": CHANNEL, "feed": FEED, "item": ITEM, "entry": ITEM,
    "image": IMAGE, "textinput": TEXTINPUT, "source": SOURCE,
    "title": TITLE, "dc_title": TITLE, "media_title": MEDIA_TITLE,
    "description": DESCRIPTION, "dc_description": DESCRIPTION,
    "media_description": DESCRIPTION, "summary": SUMMARY, "itunes_summary": SUMMARY,
    "content": CONTENT, "content_encoded": ENCODED, "fullitem": ENCODED,
    "link": LINK, "guid": GUID, "id": GUID,
    "published": PUBLISHED, "issued": PUBLISHED, "pubdate": PUBLISHED,
    "dcterms_issued": PUBLISHED,
    "updated": UPDATED, "modified": UPDATED, "lastbuilddate": UPDATED, "dc_date": UPDATED,
    "dcterms_modified": UPDATED,
    "language": LANGUAGE, "dc_language": LANGUAGE,
    **dict.fromkeys(("subtitle", "tagline", "itunes_subtitle", "rights", "copyright",
                     "dc_rights", "info", "feedburner_browserfriendly"), INERT_TEXT),
    **dict.fromkeys(("itunes_block", "itunes_explicit", "itunes_keywords", "media_keywords"),
                    END_ONLY),
    **dict.fromkeys((
        "author", "managingeditor", "dc_author", "dc_creator", "itunes_author", "contributor",
        "dc_contributor", "name", "email", "url", "homepage", "uri", "width", "height",
        "webmaster", "dc_publisher", "created", "dcterms_created", "expirationdate",
        "dcterms_valid", "category", "keywords", "dc_subject", "itunes_category",
        "media_category", "cloud", "generator", "enclosure", "newlocation", "tags",
        "itunes_name", "itunes_email", "itunes_owner", "itunes_image", "itunes_link",
        "media_group", "media_rating", "media_credit", "media_restriction", "media_license",
        "media_content", "media_thumbnail", "media_player"), INERT),
}
# keys an element without a handler must not write: they are fields we read
_PROTECTED = frozenset({"links", "title_detail", "summary_detail", "content_detail",
                        "description_detail",
                        "published_parsed", "updated_parsed", "date_parsed", "issued_parsed",
                        "modified_parsed", "guidislink"})
_IMAGE_KEEPS = frozenset({"title", "link", "description", "url", "href", "width", "height"})
_TEXTINPUT_KEEPS = frozenset({"title", "link", "description", "name"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_COPY_TO_SUMMARY = frozenset({"text/plain", "text/html", "application/xhtml+xml"})
_QUERY_FIX = re.compile("&([A-Za-z0-9_]+);")
_NO_ATTRS: dict[str, str] = {}
_ITUNES_IMAGE = frozenset({"itunes_image", "itunes_link"})
_SCOPED = ("lang", "base")  # attributes whose value holds for the element's content
_DETAIL = {"title": "title_detail", "summary": "summary_detail", "content": "content_detail",
           "subtitle": "subtitle_detail"}


class FeedWalk:
    """One document's walk. `prefixes` maps each namespace URI unknown to feedparser that the
    document declares to the prefixes it is declared with ("" for a default namespace);
    `rebound` holds the prefixes declared for more than one URI; `base` is the URI relative
    links resolve against ("" for a file)."""

    def __init__(self, *, prefixes: dict[str, set[str]], rebound: set[str], base: str) -> None:
        self.prefixes = prefixes
        self.rebound = rebound
        self.base = base
        self.bases: dict[tuple[str, str], str] = {}
        self.settled = self.is_settled(base)
        self.kinds: dict[str, tuple[str, int, int]] = {}
        self.feed: dict[str, Any] = {}
        self.entries: list[dict[str, Any]] = []
        self.entry: dict[str, Any] = {}
        self.depths: dict[str, int] = {}  # per entry: depth each field was last taken from
        self.source: dict[str, Any] = {}
        self.lang: str | None = None
        self.infeed = self.inentry = self.insource = self.inimage = self.intextinput = False
        self.has_content = False
        self.guidislink = False
        self.title_depth = -1

    # --- results ----------------------------------------------------------------------------

    def raw_entries(self) -> list[RawEntry]:
        return [RawEntry(title=e.get("title", ""), title_lang=e.get("title_detail") or "",
                         summary=e.get("summary", ""),
                         summary_lang=e.get("summary_detail") or "",
                         contents=e.get("content", []), link=e.get("link", ""),
                         guid=e.get("id", ""), published=e.get("published_parsed"),
                         updated=e.get("updated_parsed"))
                for e in self.entries]

    # --- element names ----------------------------------------------------------------------

    def kind(self, tag: str) -> tuple[str, int, int]:
        """(handler name, what to do, flags it clears) for an lxml tag, named as feedparser
        names it. An unprefixed element ends an open image or text input unless it is one
        of their children: bit 1 clears the text input, bit 2 the image; -1 means it
        depends on declaration order."""
        found = self.kinds.get(tag)
        if found is None:
            found = self.kinds[tag] = self._classify(tag)
        return found

    def _classify(self, tag: str) -> tuple[str, int, int]:
        if tag[0] != "{":
            return self._named(tag.lower(), unprefixed=True)
        uri, _, local = tag[1:].partition("}")
        local = local.lower()
        lowered = uri.lower()
        prefix = NAMESPACES.get("http://backend.userland.com/rss" if USERLAND in lowered
                                else lowered)
        if prefix is not None:
            return self._named(f"{prefix.lower()}_{local}" if prefix else local,
                               unprefixed=not prefix)
        # a namespace feedparser does not know: it names the element by the first prefix
        # declared for the URI so far, or not at all (a default namespace, or a prefix that
        # was bound to another URI since)
        declared = self.prefixes.get(uri)
        if declared is None:
            raise Decline("namespaces", uri[:60])
        names = [f"{p.lower()}_{local}" for p in sorted(declared) if p]
        if "" in declared or declared & self.rebound:
            names.insert(0, local)
        if names == [local]:
            return self._named(local, unprefixed=True)
        for name in names:
            if name in HANDLERS or name in _PROTECTED:
                raise Decline("element", name)
        return names[-1], GENERIC, 0 if names[0] != local else -1

    @staticmethod
    def _named(key: str, *, unprefixed: bool) -> tuple[str, int, int]:
        if key in _PROTECTED or (key in HANDLERS and key not in _TABLE):
            raise Decline("element", key)
        clears = 0
        if unprefixed:
            clears = (key not in _TEXTINPUT_KEEPS) | (key not in _IMAGE_KEEPS) << 1
        return key, _TABLE.get(key, GENERIC), clears

    # --- the walk ---------------------------------------------------------------------------

    def element(self, el: Any, depth: int, parent_base: str = "", tag: str = "") -> None:
        """One element and its children. `parent_base` is the base the parent started with:
        feedparser returns to it after each child, unless it is empty; `tag` is `el.tag`
        when the caller has it already."""
        tag = tag or el.tag
        found = self.kinds.get(tag)
        key, what, clears = found if found is not None else self.kind(tag)
        items = el.items()
        parent_lang = self.lang
        if items and what <= INERT and key not in _ITUNES_IMAGE and not any(
                name.rpartition("}")[2].lower() in _SCOPED for name, _ in items):
            # the attribute values of an element we skip matter only for xml:base, xml:lang
            attrs = _NO_ATTRS
            if not self.settled:
                self.rebase(self.base)
        elif items:
            attrs = element_attrs(items)
            base = attrs.get("xml:base", attrs.get("base"))
            if base or not self.settled:
                self.rebase(base or self.base)
            lang = attrs.get("xml:lang", attrs.get("lang"))
            if lang == "":
                lang = None
            elif lang is None:
                lang = parent_lang
            if lang and key in ("feed", "rss") and clears:
                self.feed["language"] = lang.replace("_", "-")
            self.lang = lang
        else:
            attrs = _NO_ATTRS
            if not self.settled:
                self.rebase(self.base)
        if clears:
            if clears < 0:
                if self.inimage or self.intextinput:
                    raise Decline("element", f"{key} in an image or text input")
            else:
                if clears & 1:
                    self.intextinput = False
                if clears & 2:
                    self.inimage = False
        if what >= TITLE:
            if len(el):
                raise Decline("markup", key)
            self.text_element(what, el.text or "", attrs, depth)
        elif what <= INERT:
            if what and key in _ITUNES_IMAGE and (attrs.get("href") or attrs.get("url")):
                self.context()["image"] = {}  # feedparser replaces the image it had
            if len(el):
                self.children(el, depth)
        else:
            self.structure(what, key, el, attrs, depth)
        self.lang = parent_lang
        if parent_base and parent_base != self.base:
            self.base = parent_base
            self.settled = self.is_settled(parent_base)

    def children(self, el: Any, depth: int) -> None:
        depth += 1
        base = self.base
        element = self.element
        for child in el:
            tag = child.tag
            if isinstance(tag, str):  # comments and processing instructions: ignored
                element(child, depth, base, tag)

    def rebase(self, base: str) -> None:
        """feedparser's base at an element start: the element's xml:base or the current
        base, joined to the current base (an unsafe scheme keeps the current one)."""
        self.base = self.joined(self.base, base)
        self.settled = self.is_settled(self.base)

    def joined(self, current: str, base: str) -> str:
        key = (current, base)
        found = self.bases.get(key)
        if found is None:
            found = self.bases[key] = (make_safe_absolute_uri(current, base) or current
                                       if current else _urljoin(current, base))
        return found

    def is_settled(self, base: str) -> bool:
        """Whether an element without xml:base keeps this base: most do."""
        return self.joined(base, base) == base

    def structure(self, what: int, key: str, el: Any, attrs: dict[str, str],
                  depth: int) -> None:
        if what == INERT_TEXT:
            if len(el):
                raise Decline("markup", key)
        elif what == END_ONLY:
            if attrs:
                raise Decline("attributes", key)
        elif what == RSS:
            self.children(el, depth)
        elif what in (CHANNEL, FEED):
            if what == CHANNEL and ("lastmod" in attrs or "href" in attrs):
                raise Decline("element", "CDF channel")
            self.infeed = True
            self.children(el, depth)
            self.infeed = False
        elif what == ITEM:
            self.item(el, attrs, depth)
        elif what in (IMAGE, TEXTINPUT):
            if self.insource or self.inimage or self.intextinput or (
                    self.inentry and what == TEXTINPUT):
                raise Decline("element", f"{key} out of place")
            self.title_depth = -1
            if what == IMAGE:
                if not self.inentry:
                    self.feed.setdefault("image", {})
                self.inimage = True
                self.children(el, depth)
                self.inimage = False
            else:
                self.feed.setdefault("textinput", {})
                self.intextinput = True
                self.children(el, depth)
                self.intextinput = False
        elif what == SOURCE:
            if not self.inentry or self.insource:
                raise Decline("element", "source out of place")
            self.insource = True
            self.title_depth = -1
            self.children(el, depth)
            self.insource = False
            self.source = {}

    def item(self, el: Any, attrs: dict[str, str], depth: int) -> None:
        if self.inentry or self.insource or self.inimage or self.intextinput:
            raise Decline("element", "item out of place")
        if "lastmod" in attrs or "href" in attrs:
            raise Decline("element", "CDF item")
        self.entry = {}
        self.depths = {}
        self.entries.append(self.entry)
        self.inentry = True
        self.guidislink = False
        self.title_depth = -1
        about = attrs.get("rdf:about")
        if about:
            self.entry["id"] = about
        self.children(el, depth)
        self.inentry = False
        self.has_content = False

    def context(self) -> dict[str, Any]:
        if self.insource:
            return self.source
        if self.inimage and "image" in self.feed:
            image: dict[str, Any] = self.feed["image"]
            return image
        if self.intextinput:
            textinput: dict[str, Any] = self.feed["textinput"]
            return textinput
        if self.inentry:
            return self.entry
        return self.feed

    # --- text elements ----------------------------------------------------------------------

    def text_element(self, what: int, text: str, attrs: dict[str, str], depth: int) -> None:
        expecting = self.infeed or self.inentry or self.insource
        if what == LINK:
            self.link(text, attrs, depth, expecting)
        elif what == GUID:
            self.guidislink = attrs.get("ispermalink", "true") == "true"
            value = self.pop("id", text, depth, True)
            if self.guidislink:
                self.context().setdefault("link", value)
        elif what in (PUBLISHED, UPDATED):
            name = "published" if what == PUBLISHED else "updated"
            value = self.pop(name, text, depth, True)
            self.context()[f"{name}_parsed"] = parse_date(value)
        elif what in (TITLE, MEDIA_TITLE):
            before = self.title_depth
            lang = self.open_text(attrs, "text/plain")[1]
            if self.pop("title", text, depth, expecting, lang=lang, content=True):
                self.title_depth = depth
            if what == MEDIA_TITLE:
                self.title_depth = before
        elif what in (DESCRIPTION, SUMMARY):
            if "summary" in self.context() and not self.has_content:
                if self.insource:
                    raise Decline("element", "content in a source")
                self.content(text, attrs, depth, "text/plain")
            elif what == DESCRIPTION:
                lang = self.open_text(attrs, "text/html")[1]
                self.pop("description", text, depth, expecting, lang=lang, content=True)
            else:
                lang = self.open_text(attrs, "text/plain")[1]
                self.pop("summary", text, depth, True, lang=lang, content=True)
        elif what in (CONTENT, ENCODED):
            if self.insource:
                raise Decline("element", "content in a source")
            self.content(text, attrs, depth, "text/plain" if what == CONTENT else "text/html")
        elif what == LANGUAGE:
            self.pop("language", text, depth, True)

    def open_text(self, attrs: dict[str, str], default: str) -> tuple[str, str | None]:
        """A text construct: its content type and the language it is declared in."""
        lang = self.lang
        if lang and "_" in lang:
            lang = lang.replace("_", "-")
        if not attrs:
            return default, lang
        kind = content_type(attrs.get("type", default))
        if attrs.get("mode") == "base64" or not kind.startswith("text/"):
            raise Decline("content type", kind[:40])  # base64 or inline XHTML
        return kind, lang

    def content(self, text: str, attrs: dict[str, str], depth: int, default: str) -> None:
        self.has_content = True
        kind, lang = self.open_text(attrs, default)
        value = self.pop("content", text, depth, True, lang=lang, content=True)
        if kind in _COPY_TO_SUMMARY:
            self.context().setdefault("summary", value)

    def link(self, text: str, attrs: dict[str, str], depth: int, expecting: bool) -> None:
        if not attrs:  # an RSS link: its text
            self.pop("link", text, depth, expecting)
            return
        attrs = dict(attrs)
        attrs.setdefault("rel", "alternate")
        attrs.setdefault("type", "application/atom+xml" if attrs["rel"] == "self"
                         else "text/html")
        href = attrs.get("url", attrs.get("uri", attrs.get("href")))
        if href:
            attrs["href"] = href
        if "href" not in attrs:
            self.pop("link", text, depth, expecting)
        elif attrs["rel"] == "alternate" and content_type(attrs["type"]) in _HTML_TYPES:
            self.context()["link"] = self.resolve(attrs["href"])

    def resolve(self, uri: str) -> str:
        """feedparser's `_urljoin(base, uri)`, without its cost for the usual links."""
        return resolve_uri(self.base, uri)

    def pop(self, element: str, text: str, depth: int, expecting: bool, *,
            lang: str | None = None, content: bool = False) -> str:
        """feedparser's `pop` for an element with text only: clean the value, store it where
        feedparser would, return it."""
        output = text.strip()
        if not expecting:
            return output
        if output and (element == "link" or (element == "id" and self.guidislink)):
            output = self.resolve(output)
        if not output.isascii():
            output = repair_text(output)
        if element == "title" and -1 < self.title_depth <= depth:
            return output
        if self.inentry and not self.insource:
            entry = self.entry
            if element == "content":
                entry.setdefault("content", []).append(output)
            elif element == "link":
                if not self.inimage:
                    if "&" in output:
                        output = _QUERY_FIX.sub(r"&\g<1>", output.replace("&amp;", "&"))
                    entry["link"] = output
            else:
                if element == "description":
                    element = "summary"
                before = self.depths.get(element)
                if before is None or depth <= before:
                    self.depths[element] = depth
                    entry[element] = output
                if content:
                    entry[_DETAIL[element]] = lang
        elif self.infeed or self.insource:
            context = self.context()
            if element == "description":
                element = "subtitle"
            context[element] = output
            if element == "link":
                if "&" in output:
                    output = _QUERY_FIX.sub(r"&\g<1>", output)
                context["link"] = output
            elif content:
                context[_DETAIL[element]] = lang
        return output
