"""The write of a poll's entries and outbox rows (bot/store/polls.py): on PostgreSQL one
statement with an array per column (bot/store/polls_pg.py), elsewhere the portable form.
Both must store every value as given (NULLs, quotes, braces, backslashes, non-ASCII, times),
route only the entries this poll stored, and write all of a poll or nothing. SQLite always,
PostgreSQL when reachable."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.exc import StatementError

from bot.core.models import Article, ChannelRef, Match
from bot.core.routing import Route
from bot.errors import StoreError
from bot.store.sql import SqlStore

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
AI = Match("AI", "keyword", 'KI "Modelle"', "text", 4, 6)
SNOW = Match("SNOW", "ticker", "$SNOW", "title", 0, 5, move=-3.37, via="cashtag")


def article(uid: str, **changes: object) -> Article:
    base = Article(uid=uid, title=f"Meldung {uid}", link=f"https://example.org/{uid}",
                   published=NOW - timedelta(minutes=5), text=f"Text {uid}", lang="de",
                   feed_title="Beispiel", content_hash=f"h-{uid}", description="")
    return replace(base, **changes)  # type: ignore[arg-type]


ODD = 'Ä "quoted" {braces}, back\\slash, NULL, comma; \'single\' \n newline 🙂'
CASES = [
    ("plain", [article("a"), article("b")]),
    ("nulls", [article("a", link=None, published=None, lang=None),
               article("b", link=None, published=None, lang=None)]),
    ("some-nulls", [article("a", link=None), article("b", published=None)]),
    ("odd-text", [article(ODD, title=ODD, text=ODD, description=ODD, link=f"https://x/{ODD}",
                          content_hash="h-odd")]),
    ("empty-strings", [article("", title="", text="", content_hash="", description="")]),
    ("other-zone", [article("a", published=datetime(2026, 11, 29, 11, 0,
                                                    tzinfo=timezone(timedelta(hours=2))))]),
]


@pytest.mark.parametrize("articles", [c[1] for c in CASES], ids=[c[0] for c in CASES])
async def test_record_poll_stores_values_as_given(store: SqlStore,
                                                  articles: list[Article]) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    channel = await store.ensure_channel(ChannelRef("console", "one"), now=NOW)
    routes = [Route(channel.id, a.uid, (AI, SNOW)) for a in articles]
    added = await store.record_poll(feed.id, now=NOW, articles=articles, routes=routes,
                                    etag=None, last_modified=None, title="T", next_poll_at=NOW)
    assert added == len(articles)
    items = await store.claim_deliveries(channel.id, owner="w", now=NOW)
    assert [i.matches for i in items] == [(AI, SNOW)] * len(articles)
    assert [i.created_at for i in items] == [NOW] * len(articles)
    got = [i.article for i in items]
    want = [replace(a, feed_title="T",
                    published=None if a.published is None else a.published.astimezone(UTC))
            for a in articles]
    assert got == want


async def test_record_poll_keeps_the_first_of_a_repeated_uid_and_routes_it_once(
        store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    channel = await store.ensure_channel(ChannelRef("console", "one"), now=NOW)
    twice = [article("a", title="first"), article("a", title="second"), article("b")]
    added = await store.record_poll(
        feed.id, now=NOW, articles=twice, routes=[Route(channel.id, "b", (AI,)),
                                                  Route(channel.id, "a", (SNOW,))],
        etag=None, last_modified=None, title="T", next_poll_at=NOW)
    assert added == 2
    items = await store.claim_deliveries(channel.id, owner="w", now=NOW)
    # outbox rows in the order of the routes (claimed by id)
    assert [(i.article.uid, i.article.title, i.matches) for i in items] == [
        ("b", "Meldung b", (AI,)), ("a", "first", (SNOW,))]


async def test_record_poll_without_routes_or_entries_still_records_the_poll(
        store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    later = NOW + timedelta(minutes=10)
    assert await store.record_poll(feed.id, now=NOW, articles=[article("a")], routes=[],
                                   etag='"e1"', last_modified=None, title="T",
                                   next_poll_at=later) == 1
    assert await store.record_poll(feed.id, now=NOW, articles=[], routes=[], etag='"e2"',
                                   last_modified=None, title="", next_poll_at=later) == 0
    [state] = await store.list_feeds()
    assert (state.etag, state.title, state.next_poll_at, state.baselined) == (
        '"e2"', "T", later, True)
    assert await store.channels_with_pending() == []


async def test_record_poll_refuses_a_naive_time(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    naive = article("a", published=datetime(2026, 11, 29, 9, 0))
    # a bug in the caller, not a database failure: never retried as a StoreError
    with pytest.raises((ValueError, StatementError), match="naive"):
        await store.record_poll(feed.id, now=NOW, articles=[naive], routes=[], etag=None,
                                last_modified=None, title="T", next_poll_at=NOW)


@pytest.mark.parametrize(("incoming", "stories", "known", "repeated"), [
    (["a", "b"], True, {"a"}, set()),
    (["a", "rotated-b"], True, {"a"}, {"rotated-b"}),
    (["a", "rotated-b"], False, {"a"}, set()),
    (["a", "a"], True, {"a"}, set()),
    (["new"], True, set(), set()),
    ([], True, set(), set()),
], ids=["known-and-new", "rotated-guid", "rotated-not-baselined", "repeated-known",
        "all-new", "empty"])
async def test_known_entries_answers_a_polls_dedupe(
        store: SqlStore, incoming: list[str], stories: bool, known: set[str],
        repeated: set[str]) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    await store.record_poll(feed.id, now=NOW, articles=[article("a"), article("c")],
                            routes=[], etag=None, last_modified=None, title="T",
                            next_poll_at=NOW)
    # "rotated-b" carries stored entry c's content under a new id; "b" and "new" are new
    hashes = {"rotated-b": "h-c"}
    articles = [article(uid, content_hash=hashes.get(uid, f"h-{uid}")) for uid in incoming]
    told: list[set[str]] = []

    def unknown(found: set[str]) -> list[Article]:  # the caller builds only these
        told.append(found)
        return [a for a in articles if a.uid not in found]

    assert await store.known_entries(feed.id, incoming, stories=unknown if stories else None
                                     ) == (known, repeated)
    assert told == ([known] if stories else [])
    assert await store.known_uids(feed.id, incoming) == known
    if stories:
        fresh = [a for a in articles if a.uid not in known]
        assert await store.known_stories(feed.id, fresh) == repeated


@pytest.fixture
def opened(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the store holds for a poll as it takes and gives back: a session's transaction
    ("tx", "/tx") or an autocommit connection for the poll path's own statements ("conn",
    "/conn")."""
    events: list[str] = []

    def counted(name: str, real: Callable[[], AbstractAsyncContextManager[Any]]
                ) -> Callable[[], AbstractAsyncContextManager[Any]]:
        @asynccontextmanager
        async def counting() -> AsyncIterator[Any]:
            events.append(name)
            async with real() as held:
                yield held
            events.append(f"/{name}")
        return counting

    monkeypatch.setattr(store, "_tx", counted("tx", store._tx))
    monkeypatch.setattr(store, "_autocommit", counted("conn", store._autocommit))
    return events




@pytest.mark.parametrize(("stories", "calls"), [(True, 1), (False, 0)],
                         ids=["baselined", "first-poll"])
async def test_known_entries_holds_one_connection_with_the_build_inside(
        store: SqlStore, opened: list[str], stories: bool, calls: int) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    await store.record_poll(feed.id, now=NOW, articles=[article("a"), article("c")],
                            routes=[], etag=None, last_modified=None, title="T",
                            next_poll_at=NOW)
    opened.clear()  # counted from here
    inside: list[list[str]] = []

    def unknown(found: set[str]) -> list[Article]:
        inside.append(list(opened))  # the caller's normalizing happens within the poll's hold
        return [article("b"), article("rotated", content_hash="h-c")]

    result = await store.known_entries(feed.id, ["a", "b", "rotated"],
                                       stories=unknown if stories else None)
    assert result == ({"a"}, {"rotated"} if stories else set())
    assert opened == ["conn", "/conn"]
    assert inside == [["conn"]] * calls


async def test_a_polls_questions_and_write_share_one_connection_on_postgresql(
        store: SqlStore, opened: list[str]) -> None:
    """On PostgreSQL a poll holds one connection for its questions and its write, and opens
    no transaction (the write is one statement); on SQLite each call takes a connection in
    the process's turn, which the poll does not hold in between."""
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    opened.clear()  # counted from here
    async with store.poll_writer(feed.id) as writer:
        assert await writer.known_entries(["a"]) == (set(), set())
        assert await writer.record_poll(now=NOW, articles=[article("a")], routes=[],
                                        etag=None, last_modified=None, title="T",
                                        next_poll_at=NOW) == 1
    expected = ["conn", "/conn"] * (1 if store.dialect == "postgresql" else 2)
    assert opened == expected
    assert await store.known_uids(feed.id, ["a"]) == {"a"}


async def test_a_poll_that_fails_before_its_write_writes_nothing(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    with pytest.raises(RuntimeError):
        async with store.poll_writer(feed.id) as writer:
            await writer.known_entries(["a"])
            raise RuntimeError("the poll failed while it normalized")
    assert await store.known_uids(feed.id, ["a"]) == set()
    [state] = await store.list_feeds()
    assert not state.baselined


async def test_a_write_that_fails_stores_nothing_of_it_and_is_a_store_error(
        store: SqlStore) -> None:
    """The entries, their outbox rows and the feed's poll state go together or not at all:
    here the last outbox row names a channel that does not exist."""
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    channel = await store.ensure_channel(ChannelRef("console", "one"), now=NOW)
    with pytest.raises(StoreError):
        await store.record_poll(
            feed.id, now=NOW, articles=[article("a"), article("b")],
            routes=[Route(channel.id, "a", (AI,)), Route(channel.id + 99, "b", (AI,))],
            etag='"e1"', last_modified=None, title="T", next_poll_at=NOW)
    assert await store.known_uids(feed.id, ["a", "b"]) == set()
    assert await store.channels_with_pending() == []
    [state] = await store.list_feeds()
    assert (state.baselined, state.etag) == (False, None)


async def test_a_feed_removed_during_its_poll_costs_that_poll_only(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    async with store.poll_writer(feed.id) as writer:
        await writer.known_entries(["a"])
        await store.remove_feed(feed.url)
        with pytest.raises(StoreError):  # transient for the service: logged, not recorded
            await writer.record_poll(now=NOW, articles=[article("a")], routes=[], etag=None,
                                     last_modified=None, title="T", next_poll_at=NOW)
    assert await store.list_feeds() == []
