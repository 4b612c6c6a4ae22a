"""Feed moves (permanent redirects) in the store, on SQLite and PostgreSQL: the URL changes
with an alias and an audit entry in one transaction, or the feed is disabled when another
feed already has the new URL."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.sql import SqlStore

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
OLD, NEW, LATER = "https://a.example/rss", "https://b.example/rss", "https://c.example/rss"


async def test_note_redirect_round_trips(store: SqlStore) -> None:
    feed = await store.upsert_feed(OLD, interval_s=600, now=NOW)
    await store.note_redirect(feed.id, url=NEW, polls=2)
    [seen] = await store.list_feeds()
    assert (seen.redirect_url, seen.redirect_polls) == (NEW, 2)
    await store.note_redirect(feed.id, url=None, polls=0)
    [seen] = await store.list_feeds()
    assert (seen.redirect_url, seen.redirect_polls) == (None, 0)


async def test_move_keeps_the_feed_and_its_old_urls(store: SqlStore) -> None:
    feed = await store.upsert_feed(OLD, interval_s=600, now=NOW)
    await store.note_redirect(feed.id, url=NEW, polls=2)
    assert await store.move_feed(feed.id, NEW, now=NOW, polls=3) == "moved"
    assert await store.move_feed(feed.id, LATER, now=NOW, polls=3) == "moved"
    [moved] = await store.list_feeds()
    assert (moved.id, moved.url, moved.redirect_url, moved.redirect_polls) == (
        feed.id, LATER, None, 0)
    # either former URL finds it: the config file and `feed add` do not add it again
    for former in (OLD, NEW):
        again = await store.upsert_feed(former, interval_s=900, now=NOW)
        assert (again.id, again.url, again.interval_s) == (feed.id, LATER, 900)
        assert not await store.add_feed(former, interval_s=600, title="t", now=NOW)
    assert len(await store.list_feeds()) == 1
    entries = await store.list_audit()
    assert [(e.action, e.target, e.platform) for e in entries] == [
        ("feed.move", NEW, "newsbot"), ("feed.move", OLD, "newsbot")]
    assert LATER in entries[0].detail


async def test_move_back_to_a_former_url(store: SqlStore) -> None:
    feed = await store.upsert_feed(OLD, interval_s=600, now=NOW)
    assert await store.move_feed(feed.id, NEW, now=NOW, polls=3) == "moved"
    assert await store.move_feed(feed.id, OLD, now=NOW, polls=3) == "moved"
    [back] = await store.list_feeds()
    assert back.url == OLD
    assert (await store.upsert_feed(NEW, interval_s=600, now=NOW)).id == feed.id


async def test_move_onto_another_feed_disables_this_one(store: SqlStore) -> None:
    old = await store.upsert_feed(OLD, interval_s=600, now=NOW)
    new = await store.upsert_feed(NEW, interval_s=600, now=NOW)
    assert await store.move_feed(old.id, NEW, now=NOW, polls=3) == "duplicate"
    by_id = {f.id: f for f in await store.list_feeds()}
    assert by_id[old.id].url == OLD and by_id[old.id].next_poll_at is None
    assert by_id[old.id].disabled_reason is not None
    assert f"feed #{new.id}" in by_id[old.id].disabled_reason
    assert by_id[new.id].disabled_reason is None
    assert await store.due_feeds(NOW, force=True) == [by_id[new.id]]
    assert await store.due_paused_feeds(NOW) == []  # stopped, not probed


async def test_move_of_a_removed_feed_does_nothing(store: SqlStore) -> None:
    feed = await store.upsert_feed(OLD, interval_s=600, now=NOW)
    assert await store.remove_feed(OLD)
    assert await store.move_feed(feed.id, NEW, now=NOW, polls=3) == "missing"
    assert await store.list_feeds() == [] and await store.list_audit() == []
