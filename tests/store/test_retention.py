"""Entry retention (bot/store/retention.py): old entries go with their outbox rows, except
the newest few of every feed, which remember what the feed still lists. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.models import ChannelRef, Match
from bot.core.routing import Route
from bot.store.sql import SqlStore
from tests.store.test_sql import NOW, article

OLD = NOW - timedelta(days=100)
HORIZON = NOW - timedelta(days=90)
KI = Match(key="KI", kind="keyword", term="KI", field="title", start=0, end=2)


async def _feed(store: SqlStore, name: str, seen: list[tuple[str, bool]],
                channel_id: int) -> int:
    """A feed whose entries (uid, old?) were stored in this order, each routed once."""
    feed = await store.upsert_feed(f"https://example.org/{name}.xml", interval_s=600, now=NOW)
    for uid, old in seen:
        await store.record_poll(
            feed.id, now=OLD if old else NOW, articles=[article(uid)],
            routes=[Route(channel_id=channel_id, article_uid=uid, matches=(KI,))],
            etag=None, last_modified=None, title=name, next_poll_at=NOW)
    return feed.id


async def _uids(store: SqlStore, feed_id: int, uids: list[str]) -> set[str]:
    return await store.known_uids(feed_id, uids)


@pytest.mark.parametrize(("keep", "left", "removed"), [
    (2, {"a4", "a5"}, 3),  # a4 is old but among the newest two: kept
    (1, {"a5"}, 5),  # and b1 of the other feed
    (10, {"a1", "a2", "a3", "a4", "a5"}, 0),  # fewer stored than kept: nothing goes
], ids=["keep-2", "keep-1", "keep-more-than-stored"])
async def test_old_entries_go_except_each_feeds_newest(store: SqlStore, keep: int,
                                                      left: set[str], removed: int) -> None:
    channel = await store.ensure_channel(ChannelRef("console", "c"), now=NOW)
    a = await _feed(store, "a", [("a1", True), ("a2", True), ("a3", True), ("a4", True),
                                 ("a5", False)], channel.id)
    b = await _feed(store, "b", [("b1", True), ("b2", False)], channel.id)
    everything = ["a1", "a2", "a3", "a4", "a5"]
    assert await store.prune_entries(before=HORIZON, keep_per_feed=keep, limit=100) == removed
    assert await _uids(store, a, everything) == left
    assert await _uids(store, b, ["b1", "b2"]) == ({"b2"} if keep == 1 else {"b1", "b2"})
    # their outbox rows went with them (cascade), the others stay
    counts = await store.delivery_counts()
    assert sum(counts.values()) == 7 - removed


async def test_pruning_goes_batch_by_batch(store: SqlStore) -> None:
    channel = await store.ensure_channel(ChannelRef("console", "c"), now=NOW)
    feed = await _feed(store, "a", [(f"a{i}", True) for i in range(5)], channel.id)
    assert await store.prune_entries(before=HORIZON, keep_per_feed=0, limit=2) == 2
    assert await store.prune_entries(before=HORIZON, keep_per_feed=0, limit=2) == 2
    assert await store.prune_entries(before=HORIZON, keep_per_feed=0, limit=2) == 1
    assert await store.prune_entries(before=HORIZON, keep_per_feed=0, limit=2) == 0
    assert await _uids(store, feed, [f"a{i}" for i in range(5)]) == set()


async def test_recent_entries_stay_however_many(store: SqlStore) -> None:
    channel = await store.ensure_channel(ChannelRef("console", "c"), now=NOW)
    feed = await _feed(store, "a", [(f"a{i}", False) for i in range(5)], channel.id)
    assert await store.prune_entries(before=HORIZON, keep_per_feed=0, limit=100) == 0
    assert len(await _uids(store, feed, [f"a{i}" for i in range(5)])) == 5
