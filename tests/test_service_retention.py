"""The service's retention tick (`NewsService.prune_entries`): with NEWSBOT_ENTRY_RETENTION_DAYS
it forgets entries older than that batch by batch, keeping each feed's newest; with 0 it
forgets nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

import bot.service
from bot.app import App, build_app
from bot.config import Settings
from tests.store.test_sql import article
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock


@asynccontextmanager
async def _app(db_url: str, clock: FixedClock, days: int) -> AsyncIterator[App]:
    settings = Settings(database_url=db_url, entry_retention_days=days)
    built = await build_app(settings, adapters={"console": RecordingAdapter()}, clock=clock)
    try:
        yield built
    finally:
        await built.close()


async def _store_entries(app: App, clock: FixedClock, count: int) -> int:
    feed = await app.store.upsert_feed("https://example.org/a.xml", interval_s=600,
                                       now=clock.now())
    for i in range(count):
        await app.store.record_poll(feed.id, now=clock.now(), articles=[article(f"u{i}")],
                                    routes=[], etag=None, last_modified=None, title="A",
                                    next_poll_at=clock.now())
    return feed.id


@pytest.mark.parametrize(("days", "after", "left"), [
    (31, 40, 2),  # old: all but the newest KEEP_PER_FEED (2 here) go
    (31, 20, 7),  # not old yet
    (0, 400, 7),  # kept forever
], ids=["past-retention", "within-retention", "retention-off"])
async def test_prune_forgets_old_entries_batch_by_batch(
    db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
    days: int, after: int, left: int,
) -> None:
    monkeypatch.setattr(bot.service, "KEEP_PER_FEED", 2)
    monkeypatch.setattr(bot.service, "PRUNE_BATCH", 2)  # 5 to go: three batches
    async with _app(db_url, clock, days) as app:
        feed_id = await _store_entries(app, clock, 7)
        clock.advance(days=after)
        assert await app.service.prune_entries() == 7 - left
        uids = [f"u{i}" for i in range(7)]
        assert len(await app.store.known_uids(feed_id, uids)) == left
