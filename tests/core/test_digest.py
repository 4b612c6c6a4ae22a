"""build_digest: one entry per story under its strongest key, folding, moves, ordering,
overflow."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import digest as digest_module
from bot.core.digest import (
    FOLD_WINDOW,
    MIN_TITLE_TOKENS,
    TITLE_SIMILARITY,
    build_digest,
    digest_to_dict,
    lead_key,
    link_key,
    move_of,
    rank_keys,
    title_similarity,
    title_tokens,
)
from bot.core.models import Article, Digest, Field, Match, MatchKind, PendingItem

NOW = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)
TICKERS = {"SNOW", "NVDA", "SAP", "SIE", "MSFT"}


def m(key: str, where: Field = "text", at: int = 0, move: float | None = None) -> Match:
    """A match of `key`; `at` tells distinct mentions apart."""
    kind: MatchKind = "ticker" if key in TICKERS else "keyword"
    return Match(key=key, kind=kind, term=key, field=where, start=at, end=at + len(key), move=move)


@dataclass(frozen=True)
class Row:
    """One pending row: article `uid`, published `minutes` before NOW (None: undated)."""

    uid: str
    minutes: int | None
    matches: tuple[Match, ...]
    feed: str = "Demo"
    queued_minutes: int = 0
    lang: str | None = "de"
    delivery_id: int = field(default=0, compare=False)
    title: str | None = None  # None → "title <uid>"
    link: str | None = ""  # "" → "https://x/<uid>"
    text: str = ""

    def pending(self) -> PendingItem:
        published = None if self.minutes is None else NOW - timedelta(minutes=self.minutes)
        article = Article(
            uid=self.uid,
            title=f"title {self.uid}" if self.title is None else self.title,
            link=f"https://x/{self.uid}" if self.link == "" else self.link,
            published=published,
            text=self.text,
            lang=self.lang,
            feed_title=self.feed,
        )
        return PendingItem(
            delivery_id=self.delivery_id,
            article=article,
            matches=self.matches,
            created_at=NOW - timedelta(minutes=self.queued_minutes),
        )


def fake_summary(article: Article, matches: tuple[Match, ...]) -> str:
    return f"summary of {article.uid} ({len(matches)} matches)"


def build(rows: list[Row], max_items: int = 20, instant: bool = False) -> Digest:
    return build_digest(
        items=[r.pending() for r in rows],
        lang="de",
        timezone="Europe/Berlin",
        now=NOW,
        instant=instant,
        summarize=fake_summary,
        max_items=max_items,
    )


Layout = tuple[tuple[str, float | None, tuple[tuple[str, tuple[str, ...], float | None], ...]], ...]


def layout(digest: Digest) -> Layout:
    """groups as (key, move, ((uid, tags, move), …)) — everything ordering and grouping decide."""
    return tuple(
        (g.key, g.move, tuple((i.title.removeprefix("title "), i.tags, i.move) for i in g.items))
        for g in digest.groups
    )


@pytest.mark.parametrize(
    ("matches", "expected"),
    [
        ([m("KI", at=1), m("AI", at=3), m("AI", at=9)], ("AI", "KI")),
        ([m("DEEPSEEK", "title"), m("SNOW", at=1), m("SNOW", at=9)], ("DEEPSEEK", "SNOW")),
        ([m("SNOW", at=1), m("DEEPSEEK", "title")], ("DEEPSEEK", "SNOW")),
        ([m("DEEPSEEK", at=1), m("DEEPSEEK", at=3), m("SNOW", at=5)], ("SNOW", "DEEPSEEK")),
        ([m("KI", at=1), m("AI", at=5)], ("AI", "KI")),
        ([m("AI", at=1), m("AI", at=1), m("KI", at=3), m("KI", at=7)], ("KI", "AI")),
        ([m("SNOW", "title", 0), m("SNOW", "text", 0), m("KI", "text", 4)], ("SNOW", "KI")),
        (
            [m("AI"), m("NVDA", at=3), m("KI", "title"), m("SAP", at=8), m("SAP", at=20)],
            ("KI", "SAP", "NVDA", "AI"),
        ),
    ],
    ids=[
        "more-matches-wins",
        "title-beats-more-matches",
        "title-beats-text",
        "ticker-beats-more-keyword-matches",
        "alphabetical",
        "same-span-counts-once",
        "title-and-text-span-differ",
        "full-order",
    ],
)
def test_rank_keys(matches: list[Match], expected: tuple[str, ...]) -> None:
    assert rank_keys(matches) == expected


@pytest.mark.parametrize(
    ("matches", "key", "expected"),
    [
        ([m("SNOW", move=-3.37), m("SNOW", at=5, move=-1.0)], "SNOW", -3.37),
        ([m("SNOW"), m("SNOW", at=5, move=2.5)], "SNOW", 2.5),
        ([m("NVDA", move=2.1), m("SNOW")], "SNOW", None),
        ([m("SNOW", move=0.0)], "SNOW", 0.0),
    ],
    ids=["first-wins", "skips-moveless", "other-key-ignored", "zero-is-a-move"],
)
def test_move_of(matches: list[Match], key: str, expected: float | None) -> None:
    assert move_of(key, matches) == expected


# Like the seed article: a cashtag with a move in the title, the AI terms more often in the text.
SEED_LIKE = (m("SNOW", "title", move=-3.37), m("DEEPSEEK", at=5), m("KI", at=30), m("KI", at=40))

CASES: list[tuple[str, list[Row], int, Layout, int]] = [
    (
        "one-article-strongest-key-with-tags",
        [Row("a", 10, SEED_LIKE)],
        20,
        (("SNOW", -3.37, (("a", ("KI", "DEEPSEEK"), -3.37),)),),
        0,
    ),
    (
        "group-by-key-newest-first-group-move-from-newest",
        [
            Row("old", 90, (m("SNOW", move=-1.5),)),
            Row("new", 5, (m("SNOW", move=-3.37),)),
            Row("mid", 30, (m("SNOW"),)),
        ],
        20,
        (("SNOW", -3.37, (("new", (), -3.37), ("mid", (), None), ("old", (), -1.5))),),
        0,
    ),
    (
        "group-move-skips-newest-without-move",
        [Row("new", 5, (m("NVDA"),)), Row("old", 60, (m("NVDA", move=2.1),))],
        20,
        (("NVDA", 2.1, (("new", (), None), ("old", (), 2.1))),),
        0,
    ),
    (
        "tag-move-is-not-the-item-move",
        [Row("a", 5, (m("DEEPSEEK", "title"), m("DEEPSEEK", at=3), m("NVDA", at=9, move=2.1)))],
        20,
        (("DEEPSEEK", None, (("a", ("NVDA",), None),)),),
        0,
    ),
    (
        "groups-by-newest-item",
        [
            Row("s1", 50, (m("SNOW"),)),
            Row("s2", 40, (m("SNOW"),)),
            Row("d1", 10, (m("DEEPSEEK"),)),
        ],
        20,
        (
            ("DEEPSEEK", None, (("d1", (), None),)),
            ("SNOW", None, (("s2", (), None), ("s1", (), None))),
        ),
        0,
    ),
    (
        "same-newest-time-bigger-group-first",
        [
            Row("k1", 10, (m("KI"),)),
            Row("a1", 10, (m("AI"),)),
            Row("a2", 20, (m("AI"),)),
        ],
        20,
        (("AI", None, (("a1", (), None), ("a2", (), None))), ("KI", None, (("k1", (), None),))),
        0,
    ),
    (
        "same-newest-and-size-by-key",
        [Row("k", 10, (m("KI"),)), Row("s", 10, (m("SNOW"),))],
        20,
        (("KI", None, (("k", (), None),)), ("SNOW", None, (("s", (), None),))),
        0,
    ),
    (
        "overflow-keeps-the-newest",
        [Row(f"n{i}", i * 10, (m("SNOW" if i % 2 else "KI"),)) for i in range(5)],
        3,
        (
            ("KI", None, (("n0", (), None), ("n2", (), None))),
            ("SNOW", None, (("n1", (), None),)),
        ),
        2,
    ),
    (
        "same-article-twice-is-merged",
        [
            Row("a", 5, (m("SNOW", "title"),), delivery_id=1),
            Row("a", 5, (m("SNOW", "title"), m("DEEPSEEK", at=4)), delivery_id=2),
        ],
        20,
        (("SNOW", None, (("a", ("DEEPSEEK",), None),)),),
        0,
    ),
    (
        "same-uid-other-feed-is-another-article",
        [
            Row("a", 5, (m("SNOW"),), feed="One", link="https://one/a"),
            Row("a", 6, (m("SNOW"),), feed="Two", link="https://two/a"),
        ],
        20,
        (("SNOW", None, (("a", (), None), ("a", (), None))),),
        0,
    ),
    (
        "undated-article-ranks-by-queue-time",
        [Row("dated", 30, (m("SAP"),)), Row("undated", None, (m("SAP"),), queued_minutes=10)],
        20,
        (("SAP", None, (("undated", (), None), ("dated", (), None))),),
        0,
    ),
]


@pytest.mark.parametrize(
    ("rows", "max_items", "expected", "overflow"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_build_digest_layout(
    rows: list[Row], max_items: int, expected: Layout, overflow: int
) -> None:
    digest = build(rows, max_items=max_items)
    assert layout(digest) == expected
    assert digest.overflow == overflow
    assert digest.item_count == min(len({(r.feed, r.uid) for r in rows}), max_items)


def test_digest_fields_and_item_values() -> None:
    row = Row("a", 5, (m("SNOW", move=-3.37), m("KI", at=8)), feed="Börse", lang="en")
    digest = build_digest(
        items=[row.pending()],
        lang="de",
        timezone="Europe/Berlin",
        now=NOW,
        instant=True,
        summarize=fake_summary,
    )
    assert (digest.lang, digest.timezone, digest.generated_at, digest.instant) == (
        "de",
        "Europe/Berlin",
        NOW,
        True,
    )
    [group] = digest.groups
    assert (group.key, group.kind, group.move) == ("SNOW", "ticker", -3.37)
    [item] = group.items
    assert item.title == "title a"
    assert item.link == "https://x/a"
    assert item.source == "Börse"
    assert item.published == NOW - timedelta(minutes=5)
    assert item.summary == "summary of a (1 matches)"  # only the SNOW match as focus
    assert item.summary_lang == "en"
    assert item.key == "SNOW"


def test_keyword_group_kind() -> None:
    [group] = build([Row("a", 5, (m("DEEPSEEK"),))]).groups
    assert group.kind == "keyword"


def test_summaries_only_for_shown_articles() -> None:
    seen: list[str] = []

    def summarize(article: Article, matches: tuple[Match, ...]) -> str:
        seen.append(article.uid)
        return ""

    rows = [Row(f"n{i}", i, (m("KI"),)) for i in range(6)]
    build_digest(
        items=[r.pending() for r in rows],
        lang="en",
        timezone="UTC",
        now=NOW,
        instant=False,
        summarize=summarize,
        max_items=2,
    )
    assert sorted(seen) == ["n0", "n1"]


def test_empty_digest() -> None:
    digest = build([])
    assert digest.groups == () and digest.overflow == 0


@pytest.mark.parametrize(
    ("rows", "max_items"),
    [([Row("a", 1, ())], 20), ([Row("a", 1, (m("KI"),))], 0)],
    ids=["item-without-matches", "max-items-zero"],
)
def test_invalid_input(rows: list[Row], max_items: int) -> None:
    with pytest.raises(ValueError):
        build(rows, max_items=max_items)


# --- folding: the same story from several feeds -------------------------------------------------


def folds(digest: Digest) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every item as (source, uid, also_in), in digest order."""
    return [(i.source, i.uid, i.also_in) for g in digest.groups for i in g.items]


SNOW = (m("SNOW"),)
LEAD = (
    "Der Cloud-Datenspezialist Snowflake bietet seinen Kunden künftig auch die offenen "
    "Sprachmodelle des chinesischen Entwicklers DeepSeek an. Den Ausschlag gaben Kunden."
)

FOLD_CASES: list[tuple[str, list[Row], list[tuple[str, str, tuple[str, ...]]]]] = [
    (
        "same-link-folds-into-the-earliest",
        [
            Row("b", 10, SNOW, feed="Two", link="https://e.org/s"),
            Row("a", 30, SNOW, feed="One", link="https://e.org/s"),
        ],
        [("One", "a", ("Two",))],
    ),
    (
        "link-scheme-www-slash-fragment-tracking-ignored",
        [
            Row("a", 30, SNOW, feed="One", link="https://www.e.org/s/?id=3&utm_source=rss#top"),
            Row("b", 10, SNOW, feed="Two", link="http://e.org/s?at_medium=RSS&id=3"),
        ],
        [("One", "a", ("Two",))],
    ),
    (
        "other-query-is-another-page",
        [
            Row("a", 30, SNOW, feed="One", link="https://e.org/s?id=3"),
            Row("b", 10, SNOW, feed="Two", link="https://e.org/s?id=4"),
        ],
        [("Two", "b", ()), ("One", "a", ())],
    ),
    (
        "three-feeds-sources-in-time-order",
        [
            Row("a", 40, SNOW, feed="One", link="https://e.org/s"),
            Row("b", 20, SNOW, feed="Two", link="https://e.org/s"),
            Row("c", 30, SNOW, feed="Three", link="https://e.org/s"),
        ],
        [("One", "a", ("Three", "Two"))],
    ),
    (
        "one-feed-never-folds-with-itself",
        [
            Row("a", 30, SNOW, feed="One", link="https://e.org/s"),
            Row("b", 10, SNOW, feed="One", link="https://e.org/s"),
        ],
        [("One", "b", ()), ("One", "a", ())],
    ),
    (
        "second-copy-from-a-feed-starts-its-own-fold",
        [
            Row("a", 30, SNOW, feed="One", link="https://e.org/s"),
            Row("b", 20, SNOW, feed="Two", link="https://e.org/s"),
            Row("c", 10, SNOW, feed="Two", link="https://e.org/s"),
        ],
        [("Two", "c", ()), ("One", "a", ("Two",))],
    ),
    (
        "near-identical-titles-fold",
        [
            Row("a", 30, SNOW, feed="One", title="Snowflake nimmt DeepSeek-Modelle auf"),
            Row("b", 10, SNOW, feed="Two", title="ROUNDUP: Snowflake nimmt DeepSeek-Modelle auf"),
        ],
        [("One", "a", ("Two",))],
    ),
    (
        "shared-lead-folds-despite-titles-and-dateline",
        [
            Row("a", 30, SNOW, feed="One", title="Snowflake holt DeepSeek", text=LEAD),
            Row("b", 10, SNOW, feed="Two", title="Neue Modelle im Marktplatz",
                text="FRANKFURT (dpa-AFX) - " + LEAD.replace("Kunden.", "viele Anfragen.")),
        ],
        [("One", "a", ("Two",))],
    ),
    (
        "short-lead-does-not-fold",
        [
            Row("a", 30, SNOW, feed="One", title="Snowflake holt DeepSeek",
                text="Snowflake legt zu. Mehr dazu später."),
            Row("b", 10, SNOW, feed="Two", title="Neue Modelle im Marktplatz",
                text="Snowflake legt zu. Weiteres folgt."),
        ],
        [("Two", "b", ()), ("One", "a", ())],
    ),
    (
        "same-title-a-day-apart-is-another-story",
        [
            Row("a", 60 * 30, SNOW, feed="One", title="DAX-Ausblick: Anleger warten auf Zinsen"),
            Row("b", 10, SNOW, feed="Two", title="DAX-Ausblick: Anleger warten auf Zinsen"),
        ],
        [("Two", "b", ()), ("One", "a", ())],
    ),
    (
        "same-link-a-day-apart-still-folds",
        [
            Row("a", 60 * 30, SNOW, feed="One", link="https://e.org/s"),
            Row("b", 10, SNOW, feed="Two", link="https://e.org/s"),
        ],
        [("One", "a", ("Two",))],
    ),
    (
        "undated-copy-ranks-by-queue-time",
        [
            Row("a", None, SNOW, feed="One", link="https://e.org/s", queued_minutes=5),
            Row("b", 20, SNOW, feed="Two", link="https://e.org/s"),
        ],
        [("Two", "b", ("One",))],
    ),
    (
        "unnamed-feed-is-not-listed",
        [
            Row("a", 30, SNOW, feed="One", link="https://e.org/s"),
            Row("b", 10, SNOW, feed="", link="https://e.org/s"),
        ],
        [("One", "a", ())],
    ),
]


@pytest.mark.parametrize(
    ("rows", "expected"), [c[1:] for c in FOLD_CASES], ids=[c[0] for c in FOLD_CASES]
)
def test_folding(rows: list[Row], expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    assert folds(build(rows)) == expected


# Title pairs that set TITLE_SIMILARITY = 0.8 (and MIN_TITLE_TOKENS = 4): the value is the
# lowest that keeps the "opposite-direction" and "negation" pairs apart (0.75 each) while an
# agency prefix on a four-word title (4/5) still folds.
TITLE_CASES = [
    ("case-and-punctuation", "Nvidia: Shares rise after results!",
     "nvidia shares rise after results", 1.0, True),
    ("function-words-differ", "Nvidia shares rise after the results",
     "Nvidia shares rise after results", 1.0, True),
    ("possessive", "Nvidia's chips sell out in China", "Nvidia chips sell out in China",
     1.0, True),
    ("agency-prefix", "Snowflake nimmt DeepSeek-Modelle auf",
     "ROUNDUP: Snowflake nimmt DeepSeek-Modelle auf", 0.8, True),
    ("one-more-word-in-seven", "Nvidia shares rise after earnings beat",
     "Nvidia shares rise after earnings beat expectations", 6 / 7, True),
    ("opposite-direction", "Nvidia shares rise 5% after DeepSeek release",
     "Nvidia shares fall 5% after DeepSeek release", 0.75, False),
    ("negation", "Nvidia will not buy Arm", "Nvidia will buy Arm", 0.75, False),
    ("other-move", "Snowflake shares fall 3%", "Snowflake shares rise 5%", 2 / 6, False),
    ("short-recurring-headline", "DAX schließt im Plus", "DAX schließt im Plus", 1.0, False),
    # accepted misses: reworded or suffixed headlines show twice rather than risk a wrong fold
    ("reworded", "Snowflake: DeepSeek-Modelle jetzt im KI-Marktplatz",
     "Snowflake nimmt DeepSeek-Modelle in seinen KI-Marktplatz auf", 5 / 7, False),
    ("publisher-suffix-and-extra-word", "Apple's new iPhone sales slump in China",
     "Apple iPhone sales slump in China - Reuters", 5 / 7, False),
    ("translation", "Snowflake nimmt DeepSeek-Modelle in seinen KI-Marktplatz auf",
     "Snowflake adds DeepSeek models to its AI marketplace", 2 / 10, False),
]


@pytest.mark.parametrize(
    ("a", "b", "similarity", "folded"),
    [c[1:] for c in TITLE_CASES],
    ids=[c[0] for c in TITLE_CASES],
)
def test_title_similarity_decides_folding(a: str, b: str, similarity: float, folded: bool) -> None:
    assert title_similarity(a, b) == pytest.approx(similarity)
    long_enough = min(len(title_tokens(a)), len(title_tokens(b))) >= MIN_TITLE_TOKENS
    assert (similarity >= TITLE_SIMILARITY and long_enough) == folded
    rows = [Row("a", 30, SNOW, feed="One", title=a), Row("b", 10, SNOW, feed="Two", title=b)]
    assert (build(rows).item_count == 1) == folded


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://www.E.org/a/b/?utm_source=rss&id=3#top", "e.org/a/b?id=3"),
        ("http://e.org/a/b?id=3&at_medium=RSS&wt_zmc=x", "e.org/a/b?id=3"),
        ("https://e.org/a?b=2&a=1", "e.org/a?a=1&b=2"),
        ("https://e.org/a?ref=rss&fbclid=x", "e.org/a"),
        ("https://e.org/A", "e.org/A"),
        ("not a link", "not a link"),
        ("", None),
        (None, None),
    ],
    ids=["www-slash-fragment-utm", "at-and-wt", "params-sorted", "ref-fbclid", "path-case-kept",
         "not-a-url", "empty", "none"],
)
def test_link_key(link: str | None, expected: str | None) -> None:
    assert link_key(link) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FRANKFURT (dpa-AFX) - " + LEAD, lead_key(LEAD)),
        ("Berlin (Reuters): " + LEAD, lead_key(LEAD)),
        ("Snowflake legt zu. Mehr dazu.", None),
        ("", None),
        ("eins zwei drei vier fünf sechs sieben acht",
         ("eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht")),
    ],
    ids=["dpa-dateline", "reuters-dateline", "too-short", "empty", "no-sentence-end"],
)
def test_lead_key(text: str, expected: tuple[str, ...] | None) -> None:
    assert lead_key(text) == expected


def test_lead_key_is_the_first_sentence() -> None:
    key = lead_key(LEAD)
    assert key is not None and key[0] == "der" and key[-1] == "an"


def test_folded_item_merges_matches_and_keeps_the_primary() -> None:
    rows = [
        Row("late", 10, (m("DEEPSEEK", "title"), m("SNOW", at=9, move=-1.0)), feed="Two",
            link="https://e.org/s", lang="en"),
        Row("early", 30, (m("SNOW", at=3, move=-3.37),), feed="One", link="https://e.org/s"),
    ]
    [group] = build(rows).groups
    [item] = group.items
    # the primary is the earliest copy: its title, link, source, uid, language and summary
    assert (item.uid, item.source, item.link, item.summary_lang) == (
        "early", "One", "https://e.org/s", "de")
    # the focus is the matches of the key it is listed under (DEEPSEEK, from the other copy)
    assert item.summary == "summary of early (1 matches)"
    # the other copy's title match makes DEEPSEEK the key; its feed is listed once
    assert (item.key, item.tags, item.also_in) == ("DEEPSEEK", ("SNOW",), ("Two",))


def test_folded_item_move_prefers_the_primary() -> None:
    rows = [
        Row("late", 10, (m("SNOW", at=9, move=-1.0),), feed="Two", link="https://e.org/s"),
        Row("early", 30, (m("SNOW", at=3, move=-3.37),), feed="One", link="https://e.org/s"),
    ]
    assert layout(build(rows)) == (("SNOW", -3.37, (("early", (), -3.37),)),)


def test_folded_story_counts_once_in_overflow() -> None:
    rows = [
        Row("a", 30, SNOW, feed="One", link="https://e.org/s"),
        Row("b", 20, SNOW, feed="Two", link="https://e.org/s"),
        Row("c", 10, SNOW, feed="One", link="https://e.org/t"),
    ]
    digest = build(rows, max_items=1)
    assert (folds(digest), digest.overflow) == ([("One", "c", ())], 1)
    digest = build(rows, max_items=2)
    assert (folds(digest), digest.overflow) == ([("One", "c", ()), ("One", "a", ("Two",))], 0)


def test_fold_window_is_inclusive() -> None:
    title = "DAX-Ausblick: Anleger warten auf Zinsen"
    minutes = int(FOLD_WINDOW.total_seconds() // 60)
    inside = [Row("a", minutes, SNOW, feed="One", title=title),
              Row("b", 0, SNOW, feed="Two", title=title)]
    assert build(inside).item_count == 1
    outside = [Row("a", minutes + 1, SNOW, feed="One", title=title),
               Row("b", 0, SNOW, feed="Two", title=title)]
    assert build(outside).item_count == 2


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([Row("one", 10, (m("KI"),)), Row("two", 10, (m("KI"), m("AI", at=5)))], ["two", "one"]),
        (
            [
                Row("solo", 10, SNOW, feed="X"),
                Row("fold", 10, SNOW, feed="One", link="https://e.org/s"),
                Row("copy", 10, SNOW, feed="Two", link="https://e.org/s"),
            ],
            ["fold", "solo"],
        ),
        ([Row("old", 20, (m("KI"), m("AI", at=5))), Row("new", 10, (m("KI"),))], ["new", "old"]),
    ],
    ids=["same-time-more-keys-first", "same-time-more-sources-first", "recency-beats-matches"],
)
def test_ranking_ties(rows: list[Row], expected: list[str]) -> None:
    assert [uid for _, uid, _ in folds(build(rows))] == expected


def test_digest_to_dict_is_plain_data() -> None:
    rows = [
        Row("a", 30, (m("SNOW", move=-3.37),), feed="One", link="https://e.org/s"),
        Row("b", 10, SNOW, feed="Two", link="https://e.org/s"),
    ]
    data = digest_to_dict(build(rows, instant=True))
    assert json.loads(json.dumps(data)) == data
    assert list(data) == ["lang", "timezone", "generated_at", "groups", "instant", "overflow",
                          "item_count"]
    assert data["generated_at"] == "2026-11-28T16:30:00+00:00"
    [group] = data["groups"]
    [item] = group["items"]
    assert (group["key"], group["kind"], group["move"]) == ("SNOW", "ticker", -3.37)
    assert (item["published"], item["also_in"], item["tags"]) == (
        "2026-11-28T16:00:00+00:00", ["Two"], [])


TITLE_WORDS = ["Nvidia", "Aktie", "shares", "rise", "fall", "DeepSeek", "KI", "Modelle", "SAP",
               "Cloud", "5%", "3,37", "nach", "after", "not", "the", "Snowflake", "Rekord"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(TITLE_WORDS), min_size=4, max_size=7, unique=True),
    st.lists(
        st.tuples(
            st.integers(min_value=-1, max_value=6),  # the base word to drop (-1: none)
            st.lists(st.sampled_from(TITLE_WORDS), max_size=2),  # words to add
            st.sampled_from(["One", "Two", "Three"]),
            st.integers(min_value=0, max_value=60 * 30),
            st.sampled_from(["https://e.org/1", "https://e.org/2", None]),
        ),
        max_size=12,
    ),
)
def test_title_index_finds_every_fold_a_full_comparison_finds(
    base: list[str], variants: list[tuple[int, list[str], str, int, str | None]]
) -> None:
    rows = [
        ([w for i, w in enumerate(base) if i != drop] + extra, feed, minutes, link)
        for drop, extra, feed, minutes, link in variants
    ]
    pending = [
        Row(f"u{n}", minutes, SNOW, feed=feed, title=" ".join(words), link=link)
        for n, (words, feed, minutes, link) in enumerate(rows)
    ]
    indexed = folds(build(pending))
    with pytest.MonkeyPatch.context() as patch:
        # every word of every title in the index: each pair is compared
        patch.setattr(digest_module, "_title_prefix", lambda title, rank: sorted(title))
        assert folds(build(pending)) == indexed
