"""build_digest: one entry per article under its strongest key, moves, ordering, overflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.digest import build_digest, move_of, rank_keys
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

    def pending(self) -> PendingItem:
        published = None if self.minutes is None else NOW - timedelta(minutes=self.minutes)
        article = Article(
            uid=self.uid,
            title=f"title {self.uid}",
            link=f"https://x/{self.uid}",
            published=published,
            text="",
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
        [Row("a", 5, (m("SNOW"),), feed="One"), Row("a", 6, (m("SNOW"),), feed="Two")],
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
    assert item.summary == "summary of a (2 matches)"
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
