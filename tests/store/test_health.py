"""Store queries behind feed health notices and the per-channel alert limit, on SQLite and
PostgreSQL: transitions are won once, the audience is the channels a feed fed lately, sent
stories are counted in a window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.models import Article, ChannelRef, Match
from bot.core.routing import Route
from bot.store.sql import SqlStore

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
MATCH = Match(key="SNOW", kind="ticker", term="Snowflake", field="title", start=0, end=9)


def article(uid: str) -> Article:
    return Article(uid=uid, title=f"Snowflake {uid}", link=f"https://example.org/{uid}",
                   published=NOW, text="", lang="de", content_hash=uid)


async def poll(store: SqlStore, feed_id: int, uids: list[str], channel_ids: list[int], *,
               now: datetime = NOW) -> None:
    await store.record_poll(
        feed_id, now=now, articles=[article(u) for u in uids],
        routes=[Route(c, u, (MATCH,)) for u in uids for c in channel_ids],
        etag=None, last_modified=None, title="Beispiel", next_poll_at=now)


async def test_disabling_is_won_once(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    assert not await store.record_feed_failure(feed.id, now=NOW, error="HTTP 500",
                                               next_poll_at=NOW + timedelta(minutes=20))
    assert await store.record_feed_failure(feed.id, now=NOW, error="HTTP 500",
                                           next_poll_at=NOW + timedelta(days=1), disable="paused")
    # already disabled: counted, reason updated, but no second transition
    assert not await store.record_feed_failure(feed.id, now=NOW, error="HTTP 410",
                                               next_poll_at=None, disable="gone")
    [state] = await store.list_feeds()
    assert (state.error_count, state.disabled_reason, state.next_poll_at) == (3, "gone", None)
    assert await store.due_feeds(NOW + timedelta(days=9), force=True) == []
    assert await store.due_paused_feeds(NOW + timedelta(days=9)) == []  # gone: never again


async def test_concurrent_disables_have_one_winner(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    results = await asyncio.gather(*(
        store.record_feed_failure(feed.id, now=NOW, error="HTTP 500", next_poll_at=NOW,
                                  disable="paused") for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    [state] = await store.list_feeds()
    assert state.error_count == 5


async def test_paused_feeds_are_probed_when_due_and_reenabled_once(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    probe = NOW + timedelta(days=1)
    await store.record_feed_failure(feed.id, now=NOW, error="x", next_poll_at=probe,
                                    disable="paused")
    assert await store.due_feeds(probe, force=True) == []  # not a normal feed while paused
    assert await store.due_paused_feeds(probe - timedelta(seconds=1)) == []
    [due] = await store.due_paused_feeds(probe)
    assert due.id == feed.id and due.disabled_reason == "paused"
    await poll(store, feed.id, [], [], now=probe)  # the probe worked
    assert await store.reenable_feed(feed.id)
    assert not await store.reenable_feed(feed.id)  # a second worker loses
    [state] = await store.list_feeds()
    assert (state.disabled_reason, state.error_count) == (None, 0)
    assert [f.id for f in await store.due_feeds(probe, force=True)] == [feed.id]


async def test_audience_is_the_channels_a_feed_fed_lately(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    other = await store.upsert_feed("https://example.org/other", interval_s=600, now=NOW)
    de = await store.ensure_channel(ChannelRef("console", "de"), now=NOW, lang="de")
    en = await store.ensure_channel(ChannelRef("console", "en"), now=NOW)
    old = await store.ensure_channel(ChannelRef("console", "old"), now=NOW)
    await store.ensure_channel(ChannelRef("console", "idle"), now=NOW)
    await poll(store, feed.id, ["a1"], [old.id], now=NOW - timedelta(days=31))
    await poll(store, feed.id, ["a2", "a3"], [de.id, en.id])
    await poll(store, other.id, ["b1"], [old.id])
    channels = await store.channels_fed_by(feed.id, since=NOW - timedelta(days=30))
    assert [(c.ref.external_id, c.lang) for c in channels] == [("de", "de"), ("en", "en")]
    assert [c.ref.external_id for c in await store.channels_fed_by(
        feed.id, since=NOW - timedelta(days=40))] == ["de", "en", "old"]
    assert await store.channel_by_id(de.id) == de
    assert await store.channel_by_id(10_000) is None


async def test_count_sent_since(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    channel = await store.ensure_channel(ChannelRef("console", "de"), now=NOW)
    other = await store.ensure_channel(ChannelRef("console", "en"), now=NOW)
    await poll(store, feed.id, ["a1", "a2", "a3", "a4"], [channel.id, other.id])
    items = await store.claim_deliveries(channel.id, owner="w", now=NOW, limit=3)
    assert len(items) == 3
    await store.mark_sent([i.delivery_id for i in items[:2]], now=NOW)
    await store.mark_sent([items[2].delivery_id], now=NOW + timedelta(minutes=30))
    assert await store.count_sent_since(channel.id, since=NOW) == 3
    assert await store.count_sent_since(channel.id, since=NOW + timedelta(minutes=1)) == 1
    assert await store.count_sent_since(other.id, since=NOW) == 0


@pytest.mark.parametrize(("limit", "paused_limit", "expected"), [
    (5, 5, ["a", "b", "paused"]),
    (1, 5, ["a", "paused"]),
    (0, 5, ["paused"]),
    (5, 0, ["a", "b"]),
], ids=["both", "due-limited", "paused-only", "due-only"])
async def test_one_claim_takes_due_and_paused_feeds_and_leases_them(
    store: SqlStore, limit: int, paused_limit: int, expected: list[str],
) -> None:
    ids = {}
    for name in ("a", "b", "paused", "later"):
        ids[name] = (await store.upsert_feed(f"https://example.org/{name}", interval_s=600,
                                             now=NOW)).id
    await store.record_feed_failure(ids["paused"], now=NOW, error="x", next_poll_at=NOW,
                                    disable="paused")
    await store.record_feed_failure(ids["later"], now=NOW, error="x",
                                    next_poll_at=NOW + timedelta(hours=1))
    claimed = await store.claim_due(NOW, limit=limit, paused_limit=paused_limit, owner="w1",
                                    lease_s=300)
    names = {v: k for k, v in ids.items()}
    assert [names[f.id] for f in claimed] == expected
    # leased: another worker's claim skips them until the lease runs out
    again = await store.claim_due(NOW + timedelta(seconds=299), limit=5, paused_limit=5,
                                  owner="w2")
    assert not {names[f.id] for f in again} & set(expected)
    leased = {f.id: f.next_poll_at for f in await store.list_feeds()}
    assert all(leased[ids[n]] == NOW + timedelta(seconds=300) for n in expected)
