"""Fuzzing with hypothesis (RELIABILITY: hostile input): the command parser, the text
normalizer and the feed parser never raise anything but their own named errors."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.commands import CommandError, parse_command
from bot.core.matching import compile_matcher
from bot.core.models import KeywordEntry, TickerEntry
from bot.core.summarize import summarize
from bot.core.text import clean_text, html_to_text
from bot.errors import ParseError
from bot.feeds.parse import parse_feed

WORDS = st.sampled_from([
    "/news", "subscribe", "unsubscribe", "list", "summary", "settings", "lang", "mode",
    "schedule", "quiet", "timezone", "why", "help", "watchlist", "feed", "add", "remove",
    "create", "show", "import", "export", "ticker", "keyword", "names=", "terms=", "SNOW",
    "$snow", "watchlist:tech", "24h", "7d", "de", "en", "08:00,17:30", "22:00-07:00",
    "Europe/Berlin", "https://example.org/rss", '"', "'", "=", ",", "\u202e", "\x00", "\n",
])
COMMANDS = st.one_of(
    st.text(max_size=200),
    st.lists(WORDS, max_size=12).map(" ".join),
)
SLOW = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(COMMANDS)
def test_command_parser_only_raises_command_errors(text: str) -> None:
    try:
        parse_command(text)
    except CommandError as exc:
        assert exc.msgid  # a catalog message, never an internal error


MARKUP = st.lists(
    st.one_of(
        st.text(max_size=30),
        st.sampled_from(["<p>", "</p>", "<br>", "<script>", "</script>", "<a href='x'>", "&amp;",
                         "&#x202e;", "&#0;", "<![CDATA[", "]]>", "<!--", "-->", "\u200b",
                         "\u2066", "\x1b[31m", "&lt;!channel&gt;", "@everyone"]),
    ),
    max_size=20,
).map("".join)


@SLOW
@given(MARKUP)
def test_normalizer_leaves_no_invisible_or_control_characters(html: str) -> None:
    text = clean_text(html_to_text(html))
    assert not any(c in text for c in "\x00\x1b\u202e\u2066\u200b")


MATCHER = compile_matcher(
    tickers=[TickerEntry(symbol="SNOW", names=("Snowflake",)),
             TickerEntry(symbol="SIE", names=("Siemens",), exclude=("Siemens Energy",))],
    keywords=[KeywordEntry(key="KI", terms=("KI", "künstliche Intelligenz")),
              KeywordEntry(key="GPT", terms=("GPT",), regex=(r"GPT-?\d",))],
)


@SLOW
@given(st.text(max_size=300), st.text(max_size=600))
def test_matcher_and_summarizer_take_any_text(title: str, text: str) -> None:
    for match in MATCHER.match(title=title, text=text, lang=None):
        source = title if match.field == "title" else text
        assert source[match.start : match.end] == match.term
    summary = summarize(title=title, text=text, lang=None)
    assert len(summary) <= 300


FEEDS = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from([
        b"<?xml version='1.0'?>", b"<rss version='2.0'>", b"<channel>", b"<item>", b"<title>",
        b"</title>", b"</item>", b"</channel>", b"</rss>", b"<feed xmlns='http://www.w3.org/2005/Atom'>",
        b"<entry>", b"</entry>", b"</feed>", b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"&a;",
        b"\xff\xfe", b"\xc3\x28", b"<guid>1</guid>", b"<link>http://x</link>", b"]]>",
    ]), max_size=25).map(b"".join),
)


@SLOW
@given(FEEDS)
def test_feed_parser_only_raises_parse_errors(data: bytes) -> None:
    try:
        feed = parse_feed(data, source="fuzz.xml")
    except ParseError:
        return
    for article in feed.articles:
        assert isinstance(article.title, str) and isinstance(article.text, str)
