"""A poll batch holds no more claims on one host than the fetcher may use at once: the rest
are given back and polled in the next batch, so no claimed feed waits for a busy host while
its lease runs out (another worker would fetch it a second time)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.app import build_app, sync_config
from bot.config import FeedConfig, FileConfig, Settings
from bot.ports import FetchResult
from bot.service import NewsService
from bot.store.sql import SqlStore
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss

LEASE = timedelta(seconds=300)  # shorter than the feeds' 10-minute interval: tells them apart
URLS = [f"https://busy.example/{n}" for n in range(6)] + [
    f"https://quiet{n}.example/feed" for n in range(2)]


class ClaimWatcher:
    """A `FeedFetcher` (our port) that records, at each fetch, how many feeds of each host
    are claimed and not yet polled: their next poll is the lease's end."""

    def __init__(self, store: SqlStore, clock: FixedClock) -> None:
        self.store, self.clock = store, clock
        self.claimed_at_fetch: list[Counter[str]] = []
        self.fetched: list[str] = []

    async def fetch(self, url: str, *, etag: str | None = None,
                    last_modified: str | None = None) -> FetchResult:
        leased_until: datetime = self.clock.now() + LEASE
        claimed = Counter(urlsplit(f.url).hostname or "" for f in await self.store.list_feeds()
                          if f.next_poll_at == leased_until)
        self.claimed_at_fetch.append(claimed)
        self.fetched.append(url)
        await asyncio.sleep(0)  # let the batch's other fetches start
        return FetchResult(url=url, status=200, body=rss([Item(f"story of {url}", guid=url)]),
                           etag=None, last_modified=None)


async def test_a_batch_claims_at_most_per_host_feeds_of_one_host(
        db_url: str, clock: FixedClock) -> None:
    app = await build_app(Settings(database_url=db_url), adapters={}, clock=clock)
    try:
        await sync_config(app.store, FileConfig(feeds=[FeedConfig(url=u) for u in URLS]), clock)
        watcher = ClaimWatcher(app.store, clock)
        service = NewsService(store=app.store, fetcher=watcher, clock=clock, adapters={},
                              owner="w1", concurrency=16, per_host=2, feed_lease=LEASE)
        outcomes = await service.poll_due_feeds()
        assert sorted(o.url for o in outcomes) == sorted(URLS)
        assert sorted(watcher.fetched) == sorted(URLS)  # each once
        assert max(c["busy.example"] for c in watcher.claimed_at_fetch) == 2
        assert all(max(c.values()) <= 2 for c in watcher.claimed_at_fetch)
        # nothing is left claimed or due: every feed's next poll is its interval away
        assert {f.next_poll_at for f in await app.store.list_feeds()} == {
            clock.now() + timedelta(minutes=10)}
    finally:
        await app.close()


async def test_without_a_per_host_limit_the_batch_keeps_its_claims(
        db_url: str, clock: FixedClock) -> None:
    app = await build_app(Settings(database_url=db_url), adapters={}, clock=clock)
    try:
        await sync_config(app.store, FileConfig(feeds=[FeedConfig(url=u) for u in URLS]), clock)
        watcher = ClaimWatcher(app.store, clock)
        service = NewsService(store=app.store, fetcher=watcher, clock=clock, adapters={},
                              owner="w1", concurrency=16, feed_lease=LEASE)
        await service.poll_due_feeds()
        assert max(c["busy.example"] for c in watcher.claimed_at_fetch) == 6
    finally:
        await app.close()
