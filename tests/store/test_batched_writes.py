"""The store's batched poll writes (issue #9, bench/pipeline.py): a poll's entries and outbox
rows in a few statements, many unchanged polls in one transaction, pooled connections
reused by concurrent polls. SQLite always, PostgreSQL when reachable."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.core.models import Article, ChannelRef, Match
from bot.core.routing import Route
from bot.store.feeds import UnchangedPoll
from bot.store.migrate import upgrade
from bot.store.sql import SqlStore

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
SNOW = Match("SNOW", "ticker", "$SNOW", "title", 0, 5, move=-3.37, via="cashtag")
AI = Match("AI", "keyword", "KI", "text", 4, 6)


def article(n: int) -> Article:
    return Article(uid=f"u{n}", title=f"Meldung {n}", link=f"https://example.org/{n}",
                   published=NOW - timedelta(minutes=n), text=f"Text {n}", lang="de",
                   feed_title="Beispiel", content_hash=f"h{n}", description=f"Kurz {n}")


@pytest.mark.parametrize("entries", [1, 30, 600], ids=["one", "a-feed", "over-a-chunk"])
async def test_record_poll_routes_each_delivery_to_its_entry(store: SqlStore,
                                                             entries: int) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    one = await store.ensure_channel(ChannelRef("console", "one"), now=NOW)
    two = await store.ensure_channel(ChannelRef("console", "two"), now=NOW)
    last = entries - 1
    routes = [Route(one.id, "u0", (SNOW, AI)), Route(two.id, f"u{last}", (AI,)),
              Route(two.id, "not-in-this-poll", (AI,))]
    added = await store.record_poll(
        feed.id, now=NOW, articles=[article(n) for n in range(entries)], routes=routes,
        etag=None, last_modified=None, title="Beispiel", next_poll_at=NOW)
    assert added == entries
    [first] = await store.claim_deliveries(one.id, owner="w", now=NOW)
    [second] = await store.claim_deliveries(two.id, owner="w", now=NOW)
    assert (first.article.uid, first.matches) == ("u0", (SNOW, AI))
    assert (second.article.uid, second.matches) == (f"u{last}", (AI,))
    assert (second.article.text, second.article.description) == (f"Text {last}",
                                                                  f"Kurz {last}")
    assert await store.known_uids(feed.id, [f"u{n}" for n in range(entries)]) == {
        f"u{n}" for n in range(entries)}


@pytest.mark.parametrize(("validators", "etags"), [
    ([None, None], ['"old"', '"old"']),
    ([('"v2"', "Sun, 29 Nov 2026 08:00:00 GMT")] * 2, ['"v2"', '"v2"']),
    ([None, ('"v2"', None)], ['"old"', '"v2"']),
], ids=["304s", "same-bytes-new-validators", "mixed"])
async def test_record_unchanged_updates_many_feeds_in_one_call(
    store: SqlStore, validators: list[tuple[str | None, str | None] | None],
    etags: list[str],
) -> None:
    feeds = [await store.upsert_feed(f"https://example.org/{n}.xml", interval_s=600, now=NOW)
             for n in range(3)]
    for feed in feeds:
        await store.record_poll(feed.id, now=NOW, articles=[], routes=[], etag='"old"',
                                last_modified=None, title="", next_poll_at=NOW)
    await store.record_feed_failure(feeds[0].id, now=NOW, error="boom", next_poll_at=NOW)
    assert await store.remove_feed(feeds[2].url)  # removed while polled: skipped quietly
    later = NOW + timedelta(minutes=10)
    await store.record_unchanged([
        UnchangedPoll(feed.id, later, later + timedelta(minutes=10), v)
        for feed, v in zip(feeds, [*validators, None], strict=True)])
    states = await store.list_feeds()
    assert [(s.etag, s.next_poll_at, s.error_count) for s in states] == [
        (etag, later + timedelta(minutes=10), 0) for etag in etags]


async def test_concurrent_polls_reuse_pooled_connections(store_url: str) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("a server database's connections only")
    upgrade(store_url)
    store = SqlStore(url=store_url, pool_size=16)
    opened: list[int] = []
    sa.event.listen(store._engine.sync_engine, "connect", lambda *_: opened.append(1))
    try:
        feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
        for _ in range(3):  # three ticks of 16 polls at once, as fetch_concurrency allows
            await asyncio.gather(*(store.record_not_modified(
                feed.id, now=NOW, next_poll_at=NOW + timedelta(minutes=10))
                for _ in range(16)))
        assert len(opened) <= 16  # with a pool of 5, every tick opened and closed 11 more
    finally:
        await store.close()
