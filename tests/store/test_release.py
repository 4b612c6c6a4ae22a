"""Claims given back (`release_feeds`), on SQLite and PostgreSQL: each feed is due again
when it was due before (its place in the queue), for any worker; only the releasing worker's
own claims are touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.sql import SqlStore

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


async def test_released_feeds_are_due_again_in_their_place(store: SqlStore) -> None:
    for n in range(3):
        feed = await store.upsert_feed(f"https://a.example/{n}", interval_s=600, now=NOW)
        await store.record_not_modified(feed.id, now=NOW,
                                        next_poll_at=NOW - timedelta(minutes=3 - n))
    first, second, third = await store.due_feeds(NOW, owner="w1", lease_s=300)
    assert second.next_poll_at == NOW - timedelta(minutes=2)  # when it fell due
    assert await store.due_feeds(NOW, owner="w2", lease_s=300) == []
    await store.release_feeds([third, second], owner="w1")
    await store.release_feeds([first], owner="w2")  # not w2's: still claimed
    again = await store.due_feeds(NOW, owner="w2", lease_s=300)
    assert [(f.id, f.next_poll_at) for f in again] == [
        (second.id, NOW - timedelta(minutes=2)), (third.id, NOW - timedelta(minutes=1))]
    await store.release_feeds([], owner="w2")  # nothing to do
