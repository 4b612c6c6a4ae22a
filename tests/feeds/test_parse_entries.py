"""parse_feed_entries: the same feed as parse_feed on both paths, entries normalized only when
asked, and uids known from guid or link before any entry is normalized."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import bot.feeds.normalize
from bench.corpus import real_world
from bench.parse import corpus_feeds
from bot.core.models import Article
from bot.errors import ParseError
from bot.feeds.normalize import RawEntry
from bot.feeds.parse import ParsedEntries, parse_feed, parse_feed_entries

DATA = Path(__file__).parent / "data"
GOLDEN = ["rss2_html.xml", "atom_content.xml", "rdf.xml", "no_guid.xml", "duplicate_guid.xml",
          "broken.xml"]
PATHS = pytest.mark.parametrize("fast", [True, False], ids=["fast", "feedparser"])

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T &amp; <b>U</b></title><link>https://ex.org/</link>
<language>de-DE</language>
<item><title>Mit guid</title><guid isPermaLink="false">g-1</guid><link>https://ex.org/1</link>
 <description>&lt;p&gt;Erster Text&lt;/p&gt;</description></item>
<item><title>Nur Link</title><link> HTTPS://Ex.org/2#top </link>
 <description>Zwei</description></item>
<item><title>Weder noch</title><description>&lt;b&gt;Nur&lt;/b&gt; Inhalt</description></item>
<item><title>Leere guid</title><guid isPermaLink="false">   </guid>
 <description>Vier</description></item>
</channel></rss>"""


def check_same(data: bytes, *, source: str, fast: bool) -> None:
    """`parse_feed_entries` gives `parse_feed`'s feed (or its error), and every cheap uid is
    the built article's uid; only content-hash uids are unknown before building."""
    try:
        want = parse_feed(data, source=source, fast=fast)
    except ParseError as exc:
        with pytest.raises(ParseError) as raised:
            parse_feed_entries(data, source=source, fast=fast).feed()
        assert str(raised.value) == str(exc)
        return
    entries = parse_feed_entries(data, source=source, fast=fast)
    cheap = [entries.uid_of(i) for i in range(len(entries))]
    assert entries.feed() == want
    assert (entries.title, entries.link, entries.lang, entries.warning) == (
        want.title, want.link, want.lang, want.warning)
    for uid, article in zip(cheap, want.articles, strict=True):
        assert uid == (None if article.uid.startswith("h:") else article.uid)
    assert [entries.uid(i) for i in range(len(entries))] == [a.uid for a in want.articles]


@PATHS
@pytest.mark.parametrize("name", GOLDEN)
def test_golden_feeds_come_out_as_parse_feed_gives_them(name: str, fast: bool) -> None:
    check_same((DATA / name).read_bytes(), source=f"tests/{name}", fast=fast)


@PATHS
@pytest.mark.parametrize(("data", "source"), [
    (RSS, "https://ex.org/feed"),
    (b"<html><body>no feed</body></html>", "x"),
    (b"", "x"),
], ids=["mixed-uid-kinds", "html-page", "empty"])
def test_documents_come_out_as_parse_feed_gives_them(data: bytes, source: str,
                                                     fast: bool) -> None:
    check_same(data, source=source, fast=fast)


@pytest.mark.corpus
@pytest.mark.parametrize("corpus", ["feeds", "realworld"])
def test_corpus_comes_out_as_parse_feed_gives_it(shared: Path, corpus: str) -> None:
    folder = shared / "corpus"
    files = (corpus_feeds(folder / "feeds") if corpus == "feeds"
             else list(real_world(folder / "tricky" / "realworld")))
    assert files
    for name, data in files:
        for fast in (True, False):
            check_same(data, source=f"https://news.example.org/{name}", fast=fast)


@PATHS
@pytest.mark.parametrize(("ask", "built", "work"), [
    ([], [], []),
    ([2], ["Weder noch"], ["Weder noch"]),
    ([3, 0], ["Leere guid", "Mit guid"], ["Leere guid", "Mit guid"]),
    ([1, 1, 1], ["Nur Link"] * 3, ["Nur Link"]),
], ids=["none", "one", "out-of-order", "same-again"])
def test_only_the_entries_asked_for_are_normalized(
        normalized: list[str], fast: bool, ask: list[int], built: list[str],
        work: list[str]) -> None:
    entries = parse_feed_entries(RSS, source="https://ex.org/feed", fast=fast)
    uids = [entries.uid_of(i) for i in range(len(entries))]
    assert uids == ["g:g-1", "l:https://ex.org/2", None, None]
    assert normalized == []  # guids and links cost no normalizing
    assert [a.title for a in entries.build(ask)] == built
    assert normalized == work
    # the whole feed afterwards normalizes each remaining entry once, and equals parse_feed's
    whole = entries.feed()
    assert sorted(normalized) == ["Leere guid", "Mit guid", "Nur Link", "Weder noch"]
    assert whole == parse_feed(RSS, source="https://ex.org/feed", fast=fast)


def test_a_content_uid_builds_its_entry_once(normalized: list[str]) -> None:
    entries = parse_feed_entries(RSS, source="https://ex.org/feed")
    uid = entries.uid(2)
    assert uid.startswith("h:") and normalized == ["Weder noch"]
    [article] = entries.build([2])
    assert article.uid == uid and normalized == ["Weder noch"]


def test_a_failure_while_normalizing_is_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(entry: RawEntry, **kwargs: Any) -> Article:
        raise ValueError("surprise")

    monkeypatch.setattr(bot.feeds.normalize, "build_article", broken)
    entries = parse_feed_entries(RSS, source="https://ex.org/feed")
    assert isinstance(entries, ParsedEntries) and entries.uid_of(0) == "g:g-1"
    with pytest.raises(ParseError, match=r"^cannot parse feed: ValueError: surprise$"):
        entries.build([0])
    # parse_feed: the fast path declines, feedparser's entries fail alike, as before
    with pytest.raises(ParseError, match=r"^cannot parse feed: ValueError: surprise$"):
        parse_feed(RSS, source="https://ex.org/feed")
