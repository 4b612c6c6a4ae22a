"""parse_feed: golden feeds under data/, hostile documents, and the shared corpus."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.dedupe import dedupe_within_feed
from bot.core.models import ParsedFeed
from bot.core.text import content_hash
from bot.errors import ParseError
from bot.feeds.parse import MAX_TEXT_CHARS, parse_feed
from tests.support.httpserver import Route, serve

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "feeds"


def load(name: str, *, content_type: str | None = None) -> ParsedFeed:
    return parse_feed((DATA / name).read_bytes(), source=f"tests/{name}",
                      content_type=content_type)


# Golden expectations: feed fields, then per entry the fields worth pinning down.
GOLDEN: list[tuple[str, dict[str, Any], list[dict[str, Any]]]] = [
    ("rss2_html.xml",
     {"title": "Börse & Märkte", "link": "https://boerse.example.org/", "lang": "de",
      "warning": None},
     [{"uid": "g:boerse-1", "title": "Snowflake $SNOW (-3,37 %) fällt nach DeepSeek-Schock",
       "link": "https://boerse.example.org/snowflake?id=1",
       "published": datetime(2026, 11, 28, 7, 15, tzinfo=UTC),
       "text": "Die Snowflake-Aktie gab am Montag nach.\n\nAnleger sorgen sich um KI-Modelle.",
       "lang": "de", "feed_title": "Börse & Märkte"},
      # content:encoded is longer than the description and wins; the bad date is dropped
      {"uid": "g:https://boerse.example.org/nvidia", "title": "Nvidia-Aktie: Rekord trotz Zöllen",
       "link": "https://boerse.example.org/nvidia#top", "published": None,
       "text": "Die Aktie von Nvidia stieg auf ein Rekordhoch.\n\n"
               "Analysten sehen weiteres Potenzial für den Konzern.",
       "lang": "de"}]),
    ("atom_content.xml",
     {"title": "Tech & AI", "link": "https://tech.example.com/", "lang": "en", "warning": None},
     [{"uid": "g:tag:tech.example.com,2026:1", "title": "DeepSeek releases a new model",
       "link": "https://tech.example.com/deepseek",
       "published": datetime(2026, 11, 28, 11, 30, tzinfo=UTC),
       "text": "The Chinese start-up said that its model was trained for a fraction of the "
               "cost.\n\nopen weights\ncheap",
       "lang": "en"},
      # published beats updated; a javascript: link is no link
      {"uid": "g:tag:tech.example.com,2026:2", "title": "Meta cuts prices", "link": None,
       "published": datetime(2026, 11, 27, 22, 0, tzinfo=UTC),
       "text": "The company said prices would fall.", "lang": "en"}]),
    ("rdf.xml",
     {"title": "Nachrichten", "link": "https://news.example.de/", "lang": "de", "warning": None},
     [{"uid": "g:https://news.example.de/1", "title": "Siemens-Aktie steigt nach Zahlen",
       "published": datetime(2026, 11, 28, 8, 0, tzinfo=UTC),
       "text": "Der Münchner Konzern übertraf die Erwartungen.", "lang": "de"}]),
    ("no_guid.xml",
     {"title": "Ohne GUIDs", "warning": None},
     [{"uid": "l:https://noguid.example.org/a", "link": "https://noguid.example.org/a#comments",
       "text": "Text A"},
      {"uid": "h:" + content_hash("Weder GUID noch Link", "Nur Text"), "link": None,
       "text": "Nur Text"}]),
    ("duplicate_guid.xml",
     {"title": "Doppelt"},
     [{"uid": "g:same", "title": "Erste Fassung"}, {"uid": "g:same", "title": "Zweite Fassung"},
      {"uid": "g:other", "title": "Andere"}]),
    ("broken.xml",
     {"title": "Kaputt & trotzdem lesbar", "warning": "line 4, column 19: not well-formed "
                                                      "(invalid token)"},
     [{"uid": "g:b1", "title": "Erster Eintrag", "text": "Text mit offenem Tag"},
      {"uid": "g:b2", "title": "Zweiter Eintrag", "text": ""}]),
]


@pytest.mark.parametrize(("name", "feed", "entries"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden(name: str, feed: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    parsed = load(name)
    assert {key: getattr(parsed, key) for key in feed} == feed
    assert len(parsed.articles) == len(entries)
    for article, expected in zip(parsed.articles, entries, strict=True):
        assert {key: getattr(article, key) for key in expected} == expected
        assert article.content_hash == content_hash(article.title, article.text)
        assert article.published is None or article.published.tzinfo is UTC


def test_duplicate_guids_collapse_to_the_first() -> None:
    kept = dedupe_within_feed(load("duplicate_guid.xml").articles)
    assert [(a.uid, a.title) for a in kept] == [("g:same", "Erste Fassung"), ("g:other", "Andere")]


def test_charset_from_content_type_header() -> None:
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Grüße</title>'
            "<item><title>Übernahme</title><guid>1</guid></item></channel></rss>")
    parsed = parse_feed(body.encode("iso-8859-1"), source="https://ex.org/feed",
                        content_type="application/rss+xml; charset=iso-8859-1")
    assert (parsed.title, parsed.articles[0].title) == ("Grüße", "Übernahme")


def test_relative_links_resolve_against_an_http_source() -> None:
    body = (b'<rss version="2.0"><channel><title>t</title><item><title>a</title>'
            b"<link>/news/1</link></item></channel></rss>")
    parsed = parse_feed(body, source="https://ex.org/feed.xml")
    assert parsed.articles[0].link == "https://ex.org/news/1"


def test_text_is_capped_and_cleaned() -> None:
    words = "Wort " * (MAX_TEXT_CHARS // 2)
    body = (f'<rss version="2.0"><channel><title>t</title><item><title>a\u202eb\u200b</title>'
            f"<description>{words}</description></item></channel></rss>").encode()
    article = parse_feed(body, source="x").articles[0]
    assert article.title == "ab"
    assert len(article.text) <= MAX_TEXT_CHARS


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        ((DATA / "html_page.html").read_bytes(), None, "HTML page"),
        ((DATA / "html_page.html").read_bytes(), "text/html; charset=utf-8", "HTML page"),
        (b"", None, "empty document"),
        (b"  \n\t", "application/rss+xml", "empty document"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "application/json",
         "not well-formed"),
        (b"\x00\xff" * 64, None, "not a feed"),
        (b"<rss", None, "unclosed token"),
        (b"<a>" * 5000, None, "not a feed"),
        (b"/etc/passwd", None, "not a feed"),
    ],
    ids=["html", "html-content-type", "empty", "blank", "json", "binary", "truncated",
         "deep-nesting", "path-is-not-opened"],
)
def test_not_a_feed(data: bytes, content_type: str | None, reason: str) -> None:
    with pytest.raises(ParseError, match="not a feed") as caught:
        parse_feed(data, source="x", content_type=content_type)
    assert reason in str(caught.value)


def test_bytes_naming_a_file_are_data_not_a_path(tmp_path: Path) -> None:
    # feedparser opens a bytes argument as a file name; parse_feed must never let it
    feed = tmp_path / "secret.xml"
    feed.write_bytes((DATA / "rdf.xml").read_bytes())
    with pytest.raises(ParseError):
        parse_feed(str(feed).encode(), source="x")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"<rss version='2.0'><channel><item><title>x</title>", None),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'></feed>", None),
        ((DATA / "rss2_html.xml").read_bytes(), "text/html"),
        (b'<?xml version="1.0" encoding="no-such-charset"?><rss version="2.0"><channel>'
         b"<title>t</title><item><title>a</title></item></channel></rss>", None),
        ("<rss version='2.0'><channel><title>Ü</title><item><title>ä</title></item>"
         "</channel></rss>".encode("utf-16"), None),
    ],
    ids=["truncated-recovers", "empty-atom", "feed-served-as-html", "unknown-charset",
         "utf16-bom"],
)
def test_odd_but_feeds(data: bytes, content_type: str | None) -> None:
    parsed = parse_feed(data, source="x", content_type=content_type)
    assert isinstance(parsed, ParsedFeed)


_PIECES = ['<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="latin-1"?>',
           '<rss version="2.0">', "</rss>", "<channel>", "</channel>", "<item>", "</item>",
           "<title>", "</title>", "<guid>", "</guid>", "<description>", "</description>",
           "<pubDate>", "</pubDate>", "Sat, 28 Nov 2026 08:15:00 +0100", "31 Feb 99999",
           '<feed xmlns="http://www.w3.org/2005/Atom">', "</feed>", "<entry>", "</entry>",
           "<content type='html'>", "</content>", "<![CDATA[", "]]>", "&amp;", "&lt;p&gt;",
           "&bogus;", "&#0;", "&#x110000;", "<!DOCTYPE x [<!ENTITY e 'v'>]>", "&e;", "Ä",
           "\x00", "\u202e", "<html>", "<body>", "Text", " ", "\n"]


@settings(max_examples=150, deadline=None, database=None)  # no .hypothesis/ dir
@given(pieces=st.lists(st.sampled_from(_PIECES), max_size=40),
       noise=st.binary(max_size=20), content_type=st.sampled_from(
           [None, "application/rss+xml", "text/html; charset=utf-8", "text/xml; charset=bogus"]))
def test_any_input_gives_a_feed_or_parse_error(pieces: list[str], noise: bytes,
                                               content_type: str | None) -> None:
    data = "".join(pieces).encode("utf-8") + noise
    try:
        parsed = parse_feed(data, source="x", content_type=content_type)
    except ParseError:
        return
    assert all(a.uid[:2] in ("g:", "l:", "h:") for a in parsed.articles)


def test_billion_laughs_is_not_expanded() -> None:
    data = (DATA / "billion_laughs.xml").read_bytes()
    try:
        parsed = parse_feed(data, source="x")
    except ParseError:
        return
    texts = [parsed.title] + [t for a in parsed.articles for t in (a.title, a.text)]
    assert all("lollol" not in t and len(t) < 200 for t in texts)


def test_xxe_reads_no_file_and_fetches_no_dtd(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    with serve({"/evil.dtd": Route(b'<!ENTITY remote "REMOTE-CONTENT">',
                                   headers={"Content-Type": "application/xml-dtd"})}) as server:
        data = (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
            f'  <!ENTITY local SYSTEM "file://{secret}">\n'
            f'  <!ENTITY % dtd SYSTEM "{server.url("/evil.dtd")}">\n  %dtd;\n]>\n'
            f'<rss version="2.0"><channel><title>XXE &local;</title>'
            f"<item><title>&local; &remote;</title><guid>x</guid>"
            f"<description>&local;</description></item></channel></rss>"
        ).encode()
        try:
            parsed = parse_feed(data, source="x")
        except ParseError:
            parsed = None
        assert server.requests == []
    if parsed is not None:
        texts = [parsed.title] + [t for a in parsed.articles for t in (a.title, a.text)]
        assert not any("SECRET" in t or "REMOTE" in t for t in texts)


# --- corpus -----------------------------------------------------------------------------------


def corpus_cases() -> list[Any]:
    if not CORPUS.is_dir():
        return [pytest.param(None, None, id="corpus-absent")]
    stats: dict[str, dict[str, str]] = {}
    if (CORPUS / "STATS.tsv").is_file():
        with (CORPUS / "STATS.tsv").open(encoding="utf-8", newline="") as handle:
            stats = {row["file"]: row for row in csv.DictReader(handle, delimiter="\t")}
    files = sorted(p for p in CORPUS.iterdir() if p.is_file() and not p.name.endswith(".tsv"))
    return [pytest.param(p, stats.get(p.name), id=p.name) for p in files]


@pytest.mark.corpus
@pytest.mark.parametrize(("path", "stats"), corpus_cases())
def test_corpus(path: Path | None, stats: dict[str, str] | None) -> None:
    if path is None:
        pytest.skip("../shared/corpus/feeds is not present")
    try:
        parsed = parse_feed(path.read_bytes(), source=str(path))
    except ParseError:
        if stats is not None and stats["bozo"] == "0":
            raise
        return
    if stats is not None and stats["bozo"] == "0":
        assert len(parsed.articles) == int(stats["entries"])
    for article in parsed.articles:
        assert article.uid[:2] in ("g:", "l:", "h:")
        assert article.published is None or article.published.tzinfo is UTC
        assert article.lang in ("de", "en", None)
        assert len(article.text) <= MAX_TEXT_CHARS


def test_description_kept_beside_full_content() -> None:
    atom = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id><updated>2026-11-28T08:00:00Z</updated>
<entry><id>urn:1</id><title>Nvidia legt zu</title><updated>2026-11-28T08:00:00Z</updated>
<summary>Die Nvidia-Aktie steigt nach starken Zahlen.</summary>
<content type="html">&lt;p&gt;Die Nvidia-Aktie steigt nach starken Zahlen. Der Umsatz
mit Rechenzentren wuchs erneut kr\xc3\xa4ftig, der Ausblick ist gut.&lt;/p&gt;</content>
</entry>
<entry><id>urn:2</id><title>Nur Zusammenfassung</title><updated>2026-11-28T08:00:00Z</updated>
<summary>Ein kurzer Text.</summary></entry></feed>"""
    full, only_summary = parse_feed(atom, source="t.xml").articles
    assert full.text.startswith("Die Nvidia-Aktie steigt") and "Rechenzentren" in full.text
    assert full.description == "Die Nvidia-Aktie steigt nach starken Zahlen."
    assert only_summary.text == "Ein kurzer Text." and only_summary.description == ""
