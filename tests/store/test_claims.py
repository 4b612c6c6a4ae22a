"""Work sharing (DESIGN §6): two workers claiming at the same moment get disjoint feeds and
disjoint deliveries; a claimed feed is due again only when its lease runs out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.core.models import ChannelRef, Match
from bot.core.routing import Route
from bot.store.migrate import upgrade
from bot.store.sql import FEED_LEASE_S, SqlStore
from tests.store.test_sql import NOW, article


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    """Two stores on one database: two workers, each with its own connection pool. Only on
    PostgreSQL: a SQLite file has one scheduler (bot.store.single refuses a second)."""
    if not store_url.startswith("postgresql"):
        pytest.skip("several workers need PostgreSQL")
    upgrade(store_url)
    one, two = SqlStore(url=store_url), SqlStore(url=store_url)
    yield one, two
    await one.close()
    await two.close()


async def test_concurrent_feed_claims_are_disjoint(stores: tuple[SqlStore, SqlStore]) -> None:
    one, two = stores
    for i in range(30):
        await one.upsert_feed(f"https://example.org/{i}.xml", interval_s=600, now=NOW)
    first, second = await asyncio.gather(
        one.due_feeds(NOW, owner="w1", limit=20),
        two.due_feeds(NOW, owner="w2", limit=20),
    )
    ids1, ids2 = {f.id for f in first}, {f.id for f in second}
    assert not ids1 & ids2
    assert len(ids1 | ids2) == 30  # SKIP LOCKED: the second takes what the first left
    # claimed feeds are not due for anyone until the lease runs out
    assert await one.due_feeds(NOW + timedelta(seconds=FEED_LEASE_S - 1), owner="w3") == [
        f for f in await one.due_feeds(NOW, owner=None) if f.id not in ids1 | ids2
    ]
    later = await two.due_feeds(NOW + timedelta(seconds=FEED_LEASE_S), owner="w3")
    assert {f.id for f in later} >= ids1 | ids2


async def test_concurrent_delivery_claims_are_disjoint(
    stores: tuple[SqlStore, SqlStore],
) -> None:
    one, two = stores
    feed = await one.upsert_feed("https://example.org/a.xml", interval_s=600, now=NOW)
    channel = await one.ensure_channel(ChannelRef("console", "c"), now=NOW)
    match = Match(key="SNOW", kind="ticker", term="$SNOW", field="title", start=0, end=5)
    articles = [article(f"u{i}") for i in range(40)]
    await one.record_poll(
        feed.id, now=NOW, articles=articles, etag=None, last_modified=None, title="Feed",
        next_poll_at=NOW + timedelta(minutes=10),
        routes=[Route(channel.id, a.uid, (match,)) for a in articles],
    )
    first, second = await asyncio.gather(
        one.claim_deliveries(channel.id, owner="w1", now=NOW, limit=25),
        two.claim_deliveries(channel.id, owner="w2", now=NOW, limit=25),
    )
    ids1 = {p.delivery_id for p in first}
    ids2 = {p.delivery_id for p in second}
    assert not ids1 & ids2
    assert len(ids1 | ids2) == 40


async def test_rows_locked_by_a_worker_mid_claim_are_skipped(
    stores: tuple[SqlStore, SqlStore], store_url: str
) -> None:
    """Deterministic version of the race: one worker holds row locks (its claim transaction
    still open); the other worker's claim skips those rows instead of taking them too."""
    import sqlalchemy as sa

    from bot.store.migrate import sync_url

    one, _ = stores
    feed = await one.upsert_feed("https://example.org/a.xml", interval_s=600, now=NOW)
    await one.upsert_feed("https://example.org/b.xml", interval_s=600, now=NOW)
    channel = await one.ensure_channel(ChannelRef("console", "c"), now=NOW)
    match = Match(key="SNOW", kind="ticker", term="$SNOW", field="title", start=0, end=5)
    articles = [article(f"u{i}") for i in range(4)]
    await one.record_poll(
        feed.id, now=NOW, articles=articles, etag=None, last_modified=None, title="Feed",
        next_poll_at=NOW - timedelta(minutes=1),
        routes=[Route(channel.id, a.uid, (match,)) for a in articles],
    )
    engine = sa.create_engine(sync_url(store_url))
    try:
        with engine.connect() as conn, conn.begin():
            locked_feed = conn.execute(sa.text(
                "SELECT id FROM feeds WHERE url LIKE '%a.xml' FOR UPDATE")).scalar_one()
            locked = set(conn.execute(sa.text(
                "SELECT id FROM deliveries ORDER BY id LIMIT 2 FOR UPDATE")).scalars())
            # without SKIP LOCKED these would wait for the lock: fail instead of hanging
            claimed = await asyncio.wait_for(
                one.claim_deliveries(channel.id, owner="w2", now=NOW), timeout=10)
            due = await asyncio.wait_for(one.due_feeds(NOW, owner="w2"), timeout=10)
    finally:
        engine.dispose()
    assert {p.delivery_id for p in claimed}.isdisjoint(locked) and len(claimed) == 2
    assert locked_feed not in {f.id for f in due} and len(due) == 1
