"""The fast parse path (lxml): wherever it accepts a document, its `ParsedFeed` equals the
feedparser path's field by field; whatever it cannot promise that for, it declines, and
hostile documents never reach lxml at all."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from feedparser.datetimes import _parse_date
from feedparser.urls import _urljoin
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.corpus import feedparser_suite, real_world
from bench.parse import compare, corpus_feeds, first_difference, report_tally
from bot.core.models import ParsedFeed
from bot.errors import ParseError
from bot.feeds.fastparse import Declined, try_parse_fast
from bot.feeds.fastparse_values import parse_date, resolve_uri
from bot.feeds.parse import parse_feed
from tests.support.httpserver import Route, serve

DATA = Path(__file__).parent / "data"
HTTP = "https://news.example.org/feeds/main.xml"


def both(data: bytes, source: str = "feed.xml", content_type: str | None = None
         ) -> tuple[ParsedFeed | Declined, ParsedFeed]:
    fast = try_parse_fast(data, source=source, content_type=content_type)
    return fast, parse_feed(data, source=source, content_type=content_type, fast=False)


# --- documents the fast path takes ------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel><title>B\xc3\xb6rse &amp; M\xc3\xa4rkte &#8364;</title><link>https://boerse.example.org/</link>
<language>de-DE</language>
<image><title>Logo</title><url>https://boerse.example.org/logo.png</url><link>https://boerse.example.org/</link></image>
<item><title><![CDATA[Snowflake <b>f\xc3\xa4llt</b> &amp; DeepSeek]]></title>
 <link>https://boerse.example.org/a?x=1&amp;y=2</link>
 <description>&lt;p&gt;Die Aktie gab nach.&lt;/p&gt;
   &lt;p&gt;Anleger sorgen sich.&lt;/p&gt;</description>
 <content:encoded><![CDATA[<p>Die Aktie gab nach.</p>
   <p>Anleger sorgen sich um KI-Modelle, sagen H\xc3\xa4ndler.</p>]]></content:encoded>
 <pubDate>Sat, 28 Nov 2026 08:15:00 +0100</pubDate><guid isPermaLink="false">boerse-1</guid>
 <slash:comments>3</slash:comments><category>Aktien</category><dc:creator>Red.</dc:creator>
 <media:content url="https://boerse.example.org/1.jpg"><media:title>Bild</media:title></media:content>
</item>
<item><title>Nur dc:date und ein Link als guid</title><dc:date>2026-11-27T22:00:00Z</dc:date>
 <guid>https://boerse.example.org/b</guid><description>Kurz.</description></item>
<item><description>Weder Titel noch Link noch guid</description></item>
</channel></rss>"""

RDF = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example.de/"><title>Nachrichten</title><link>https://news.example.de/</link>
<description>Alles</description><dc:language>de</dc:language>
<items><rdf:Seq><rdf:li rdf:resource="https://news.example.de/1"/></rdf:Seq></items></channel>
<item rdf:about="https://news.example.de/1"><title>Siemens-Aktie steigt \xfcber Erwartungen</title>
<link>https://news.example.de/1</link><description>M\xfcnchner Konzern.</description>
<dc:date>2026-11-28T08:00:00+01:00</dc:date></item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title type="text">Tech &amp; AI</title><id>urn:feed</id><link href="https://tech.example.com/"/>
<link rel="self" href="https://tech.example.com/feed.atom"/><updated>2026-11-28T12:00:00Z</updated>
<entry><id>tag:tech.example.com,2026:1</id>
<title type="html">DeepSeek &lt;em&gt;releases&lt;/em&gt; a model</title>
<link rel="alternate" type="text/html" href="https://tech.example.com/deepseek"/>
<link rel="enclosure" href="https://tech.example.com/a.mp3"/>
<published>2026-11-28T11:30:00Z</published><updated>2026-11-28T11:45:00Z</updated>
<summary>The start-up said so.</summary>
<content type="html">&lt;p&gt;The Chinese start-up said that its model
 was cheap.&lt;/p&gt;</content></entry>
<entry xml:lang="de"><id>tag:tech.example.com,2026:2</id><title>Preise fallen</title>
<link href="javascript:alert(1)"/><updated>2026-11-27T22:00:00Z</updated>
<content type="text">Das Unternehmen sagte, die Preise w\xc3\xbcrden fallen.</content></entry>
</feed>"""

RELATIVE = b"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.com/blog/">
<title>Relative</title><link href="./"/>
<entry xml:base="posts/"><id>1</id><title>One</title><link href="one.html"/></entry>
<entry><id>2</id><title>Two</title><link href="/two"/></entry></feed>"""

YOUTUBE = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/"
 xmlns="http://www.w3.org/2005/Atom"><title>Kanal</title>
<entry><id>yt:video:1</id><yt:videoId>1</yt:videoId><title>Video eins</title>
<link rel="alternate" href="https://www.youtube.com/watch?v=1"/><published>2026-11-28T08:00:00+00:00</published>
<media:group><media:title>Video eins (Medien)</media:title>
<media:description>Eine lange Beschreibung des Videos, die den Text stellt.</media:description>
<media:thumbnail url="https://i.ytimg.com/1.jpg" width="480" height="360"/></media:group></entry>
</feed>"""

RSS091 = b"""<?xml version="1.0" encoding="windows-1252"?>
<rss version="0.91"><channel><title>Alt</title><link>http://old.example.com/</link>
<item><title>Preis: 5 \x80 \x96 billig</title><link>http://old.example.com/1</link>
<description>Ein &lt;b&gt;alter&lt;/b&gt; Eintrag.</description></item></channel></rss>"""

ACCEPTED: list[tuple[str, bytes, str, str | None, dict[str, Any]]] = [
    ("rss2-file", RSS, "feed.xml", None,
     {"title": "Börse & Märkte €", "lang": "de", "count": 3,
      "0.title": "Snowflake fällt & DeepSeek", "0.uid": "g:boerse-1",
      "0.link": "https://boerse.example.org/a?x=1&y=2",
      "0.description": "Die Aktie gab nach.\n\nAnleger sorgen sich.",
      "1.link": "https://boerse.example.org/b", "2.uid_kind": "h:"}),
    ("rss2-http", RSS, HTTP, "application/rss+xml; charset=utf-8",
     {"0.uid": "g:boerse-1"}),
    ("rdf-latin1", RDF, "rdf.xml", None,
     {"title": "Nachrichten", "lang": "de", "0.uid": "g:https://news.example.de/1",
      "0.title": "Siemens-Aktie steigt über Erwartungen"}),
    ("atom", ATOM, "atom.xml", None,
     {"title": "Tech & AI", "lang": "en", "0.title": "DeepSeek releases a model",
      "0.link": "https://tech.example.com/deepseek", "1.link": None, "1.lang": "de"}),
    ("atom-http", ATOM, HTTP, "application/atom+xml", {"count": 2}),
    ("xml-base", RELATIVE, "relative.xml", None,
     {"0.link": "https://example.com/blog/posts/one.html", "1.link": "https://example.com/two"}),
    ("xml-base-http", RELATIVE, HTTP, "application/xml", {"link": "https://example.com/blog/"}),
    ("media-group", YOUTUBE, "yt.xml", None,
     {"0.title": "Video eins", "0.text": "Eine lange Beschreibung des Videos, die den Text "
                                        "stellt."}),
    ("rss091-cp1252", RSS091, "old.xml", None, {"0.title": "Preis: 5 € – billig"}),
    ("golden-rss2", (DATA / "rss2_html.xml").read_bytes(), HTTP, "application/rss+xml", {}),
    ("golden-rdf", (DATA / "rdf.xml").read_bytes(), "rdf.xml", None, {}),
    ("golden-no-guid", (DATA / "no_guid.xml").read_bytes(), HTTP, "text/xml", {}),
]


@pytest.mark.parametrize(("data", "source", "content_type", "expected"),
                         [case[1:] for case in ACCEPTED], ids=[case[0] for case in ACCEPTED])
def test_accepted_documents_equal_feedparser(data: bytes, source: str, content_type: str | None,
                                             expected: dict[str, Any]) -> None:
    fast, reference = both(data, source, content_type)
    assert isinstance(fast, ParsedFeed), fast
    assert first_difference(reference, fast) is None
    assert fast == reference
    for key, want in expected.items():
        if key == "count":
            assert len(fast.articles) == want
        elif "." not in key:
            assert getattr(fast, key) == want
        else:
            number, name = key.split(".")
            article = fast.articles[int(number)]
            got = article.uid[:2] if name == "uid_kind" else getattr(article, name)
            assert got == want, key


# --- documents it declines ----------------------------------------------------------------------

BILLION_LAUGHS = (DATA / "billion_laughs.xml").read_bytes()
DECLINED: list[tuple[str, bytes, str, str | None, str]] = [
    ("billion-laughs", BILLION_LAUGHS, "x.xml", None, "doctype"),
    ("doctype-only", b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications'
     b'//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss '
     b'version="0.91"><channel><title>t</title><item><title>a</title></item></channel></rss>',
     "x.xml", None, "doctype"),
    ("malformed", (DATA / "broken.xml").read_bytes(), "x.xml", None, "malformed"),
    ("undefined-entity", b"<rss><channel><item><title>&nbsp;</title></item></channel></rss>",
     "x.xml", None, "malformed"),
    ("utf16", "<rss><channel><item><title>ä</title></item></channel></rss>".encode("utf-16"),
     "x.xml", None, "encoding"),
    ("charset-mismatch", RDF.replace(b"ISO-8859-1", b"utf-8"), "x.xml", None, "encoding"),
    ("html-content-type", RSS, HTTP, "text/html; charset=utf-8", "content type"),
    ("http-without-content-type", RSS, HTTP, None, "content type"),
    ("xhtml-content", ATOM.replace(b'<content type="text">Das', b'<content type="xhtml">'
                                   b'<div xmlns="http://www.w3.org/1999/xhtml">Das')
     .replace(b"fallen.</content>", b"fallen.</div></content>"), "x.xml", None, "markup"),
    ("base64", ATOM.replace(b'type="text"', b'type="application/octet-stream"'), "x.xml", None,
     "content type"),
    ("markup-in-title", b"<rss><channel><item><title>a <b>b</b></title></item></channel></rss>",
     "x.xml", None, "markup"),
    ("xhtml-body", b'<rss><channel><item><body xmlns="http://www.w3.org/1999/xhtml">x</body>'
     b"</item></channel></rss>", "x.xml", None, "element"),
    ("cdf-channel", b'<rss><channel href="http://x/"><item><title>a</title></item></channel>'
     b"</rss>", "x.xml", None, "element"),
    ("prefix-for-another-namespace", b'<rss xmlns:dc="http://purl.org/rss/1.0/modules/content/">'
     b"<channel><item><title>a</title></item></channel></rss>", "x.xml", None, "namespaces"),
    ("golden-atom-markup-in-title", (DATA / "atom_content.xml").read_bytes(), "atom.xml", None,
     "markup"),
    ("no-entries", b"<rss><channel><title>leer</title></channel></rss>", "x.xml", None,
     "no entries"),
]


@pytest.mark.parametrize(("data", "source", "content_type", "reason"),
                         [case[1:] for case in DECLINED], ids=[case[0] for case in DECLINED])
def test_declined_documents_go_to_feedparser(data: bytes, source: str, content_type: str | None,
                                             reason: str) -> None:
    fast = try_parse_fast(data, source=source, content_type=content_type)
    assert isinstance(fast, Declined) and fast.reason == reason, fast
    # parse_feed(fast=True) then answers exactly as feedparser does
    try:
        reference: ParsedFeed | str = parse_feed(data, source=source, content_type=content_type,
                                                 fast=False)
    except ParseError as exc:
        reference = str(exc)
    try:
        result: ParsedFeed | str = parse_feed(data, source=source, content_type=content_type)
    except ParseError as exc:
        result = str(exc)
    assert result == reference


def test_billion_laughs_stays_inert() -> None:
    began = time.perf_counter()
    try:
        parsed = parse_feed(BILLION_LAUGHS, source="x.xml")
    except ParseError:
        parsed = None
    assert time.perf_counter() - began < 5
    if parsed is not None:
        texts = [parsed.title] + [t for a in parsed.articles for t in (a.title, a.text)]
        assert all("lollol" not in t for t in texts)


def test_xxe_is_declined_and_reads_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    with serve({"/evil.dtd": Route(b'<!ENTITY remote "REMOTE-CONTENT">',
                                   headers={"Content-Type": "application/xml-dtd"})}) as server:
        data = (f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
                f'  <!ENTITY local SYSTEM "file://{secret}">\n'
                f'  <!ENTITY % dtd SYSTEM "{server.url("/evil.dtd")}">\n  %dtd;\n]>\n'
                f'<rss version="2.0"><channel><title>XXE &local;</title>'
                f"<item><title>&local; &remote;</title><guid>x</guid></item></channel></rss>"
                ).encode()
        fast = try_parse_fast(data, source="x.xml")
        assert fast == Declined("doctype")
        try:
            parsed = parse_feed(data, source="x.xml")
        except ParseError:
            parsed = None
        assert server.requests == []
    if parsed is not None:
        texts = [parsed.title] + [t for a in parsed.articles for t in (a.title, a.text)]
        assert not any("SECRET" in t or "REMOTE" in t for t in texts)


def test_fast_false_never_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.feeds.parse

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("fast path used")

    monkeypatch.setattr(bot.feeds.parse, "parse_fast", refuse)
    assert parse_feed(RSS, source="feed.xml", fast=False).title == "Börse & Märkte €"
    with pytest.raises(AssertionError):
        parse_feed(RSS, source="feed.xml")


# --- the values feedparser's helpers would give -----------------------------------------------

_URI_PARTS = st.sampled_from(["http://", "https://", "HTTP://", "tag:", "urn:x:", "ftp:///",
                              "//", "a", "B", "0", ".", "..", "/", "?", "#", ";", ":", "&amp;",
                              "%20", " ", "\t", "\n", "[", "]", "@", "=", "é", "\x00"])


@settings(max_examples=400, deadline=None, database=None)
@given(base=st.sampled_from(["", HTTP, "http://example.com/a/b/", "https://example.com",
                             "ftp://x/y", "https://example.com/a?b#c", "http://[::1]/"]),
       uri=st.lists(_URI_PARTS, max_size=10).map("".join))
def test_resolve_uri_is_feedparsers_urljoin(base: str, uri: str) -> None:
    assert resolve_uri(base, uri) == _urljoin(base, uri)


_DATE_PARTS = st.sampled_from(["Sat, ", "Thu, ", "28 ", "Nov ", "nov ", "2026 ", "26 ",
                               "08:15:00 ", "8:15 ", "+0100", "-05:00", "GMT", "EST", "Z",
                               "2026-11-28", "T", "08:00:00", "T08:00", "-", " ", "x", "99"])


@settings(max_examples=400, deadline=None, database=None)
@given(value=st.lists(_DATE_PARTS, max_size=8).map("".join))
def test_parse_date_is_feedparsers(value: str) -> None:
    assert parse_date(value) == _parse_date(value)


@settings(max_examples=400, deadline=None, database=None)
@given(year=st.integers(1, 9999), month=st.integers(0, 13), day=st.integers(0, 32),
       hour=st.integers(0, 25), minute=st.integers(0, 60), second=st.integers(0, 61),
       fraction=st.sampled_from(["", ".5", ".123456", ".0000001"]),
       separator=st.sampled_from(["T", "t"]),
       zone=st.sampled_from(["Z", "z", "+00:00", "+01:00", "-05:30", "+14:00", "-12:00",
                             "+23:59", "-00:00"]))
def test_an_iso_date_is_read_as_feedparser_reads_it(
        year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: str,
        separator: str, zone: str) -> None:
    """Atom dates take a shortcut past feedparser's W3C-DTF parser: every valid and invalid
    field, fractions, both cases, zones near the year's ends (0001 and 9999 overflow)."""
    value = (f"{year:04d}-{month:02d}-{day:02d}{separator}{hour:02d}:{minute:02d}:"
             f"{second:02d}{fraction}{zone}")
    assert parse_date(value) == _parse_date(value)


# --- the corpus ---------------------------------------------------------------------------------

VARIANTS = [("file", "corpus.xml", None),
            ("http-xml", HTTP, "application/xml"),
            ("http-text-xml-utf8", HTTP, "text/xml; charset=utf-8")]


@pytest.mark.corpus
@pytest.mark.parametrize(("source", "content_type"), [v[1:] for v in VARIANTS],
                         ids=[v[0] for v in VARIANTS])
@pytest.mark.parametrize("corpus", ["feeds", "realworld", "feedparser-suite"])
def test_corpus_equivalence(shared: Path, corpus: str, source: str,
                            content_type: str | None) -> None:
    folder = shared / "corpus"
    if corpus == "feeds":
        files = corpus_feeds(folder / "feeds")
    elif corpus == "realworld":
        files = list(real_world(folder / "tricky" / "realworld"))
    else:
        tarball = folder / "tricky" / "feedparser-6.0.14.tar.gz"
        if not tarball.is_file():
            pytest.skip("feedparser's test suite is not present")
        if content_type == "text/xml; charset=utf-8":
            pytest.skip("two variants of 2,242 documents are enough")
        files = list(feedparser_suite(tarball))
    tally = compare(files, source=source, content_type=content_type)
    report_tally(f"{corpus} ({source}, {content_type})", tally)  # shown with -s
    assert tally.differences == []
    assert tally.declined.get("error", 0) == 0, tally.details
    if corpus == "feeds" and content_type != "text/xml; charset=utf-8":
        # the news feeds are what the fast path is for: all but the two malformed ones
        assert tally.accepted >= tally.tried - 2, tally.declined
    else:
        assert tally.accepted > 0
