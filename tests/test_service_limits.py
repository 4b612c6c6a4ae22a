"""The per-channel alert limit: at most N stories per rolling hour to an instant channel; the
surplus stays pending and goes out with the next message once the hour allows — nothing
dropped, nothing twice. A real feed server on 127.0.0.1, a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import App, build_app, sync_config
from bot.config import ChannelConfig, FeedConfig, FileConfig, Settings, WatchlistConfig
from bot.core.models import Mode
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.support.feedserver import FeedServer, serve_feeds

WATCHLIST = WatchlistConfig.model_validate({
    "name": "tech", "tickers": [{"symbol": "SNOW", "names": ["Snowflake"]}]})


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    async with serve_feeds() as server:
        yield server


async def make_app(db_url: str, clock: FixedClock, feeds: FeedServer, *, limit: int,
                   mode: Mode = Mode.INSTANT) -> tuple[App, RecordingAdapter]:
    adapter = RecordingAdapter()
    settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"],
                        alert_max_per_hour=limit)
    app = await build_app(settings, adapters={"console": adapter}, clock=clock)
    config = FileConfig(
        feeds=[FeedConfig(url=feeds.url("rss"))], watchlists=[WATCHLIST],
        channels=[ChannelConfig(adapter="console", id="c", lang="de", mode=mode,
                                schedule=["08:00"], subscribe=["SNOW"])],
    )
    await sync_config(app.store, config, clock)
    # a first, empty poll: the feed is baselined and everything after it is news
    feeds.feed("rss").publish(rss([]))
    await app.service.poll_due_feeds()
    return app, adapter


class Stories:
    """Publishes new matching stories; the feed keeps every story it ever had."""

    def __init__(self, feeds: FeedServer, clock: FixedClock) -> None:
        self._feeds = feeds
        self._clock = clock
        self.items: list[Item] = []

    def add(self, n: int) -> list[str]:
        start = len(self.items)
        titles = [f"Snowflake Meldung Nummer {start + i}" for i in range(n)]
        self.items = [Item(t, guid=t, link=f"https://ex.org/{start + i}",
                           published=self._clock.now()) for i, t in enumerate(titles)
                      ] + self.items
        self._feeds.feed("rss").publish(rss(self.items))
        return titles


def titles_of(adapter: RecordingAdapter, message: int) -> list[str]:
    digest = adapter.sent[message][1]
    return sorted(i.title for g in digest.groups for i in g.items)


async def test_surplus_waits_for_the_window_then_rolls_into_the_next_message(
    feeds: FeedServer, db_url: str, clock: FixedClock
) -> None:
    app, adapter = await make_app(db_url, clock, feeds, limit=3)
    stories = Stories(feeds, clock)
    try:
        first = stories.add(5)
        await app.service.poll_due_feeds(force=True)
        [outcome] = await app.service.deliver_due()
        assert (outcome.status, outcome.items) == ("sent", 3)
        sent_at = clock.now()
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "limited" and len(adapter.sent) == 1

        clock.advance(minutes=20)
        later = stories.add(1)
        await app.service.poll_due_feeds(force=True)
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "limited"

        clock.advance(minutes=40)  # exactly an hour after the first message: still inside
        assert clock.now() == sent_at + timedelta(hours=1)
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "limited"

        clock.advance(seconds=1)
        [outcome] = await app.service.deliver_due()
        assert (outcome.status, outcome.items) == ("sent", 3)  # 2 held back + 1 newer
        assert await app.service.deliver_due() == []
        assert len(adapter.sent) == 2
        everything = titles_of(adapter, 0) + titles_of(adapter, 1)
        assert sorted(everything) == sorted(first + later)  # all of them, each once
        assert await app.store.delivery_counts() == {"sent": 6}
    finally:
        await app.close()


async def test_partial_budget_sends_what_fits(
    feeds: FeedServer, db_url: str, clock: FixedClock
) -> None:
    app, adapter = await make_app(db_url, clock, feeds, limit=4)
    stories = Stories(feeds, clock)
    try:
        stories.add(3)
        await app.service.poll_due_feeds(force=True)
        [outcome] = await app.service.deliver_due()
        assert outcome.items == 3
        clock.advance(minutes=30)
        stories.add(3)
        await app.service.poll_due_feeds(force=True)
        [outcome] = await app.service.deliver_due()
        assert (outcome.status, outcome.items) == ("sent", 1)  # the hour allows one more
        clock.advance(minutes=30, seconds=1)  # the first three left the window
        [outcome] = await app.service.deliver_due()
        assert (outcome.status, outcome.items) == ("sent", 2)
        assert await app.store.delivery_counts() == {"sent": 6}
        assert sum(len(titles_of(adapter, i)) for i in range(3)) == 6
    finally:
        await app.close()


@pytest.mark.parametrize(("limit", "mode", "force"),
                         [(0, Mode.INSTANT, False), (3, Mode.INSTANT, True),
                          (3, Mode.DIGEST, False)],
                         ids=["no-limit", "run-once", "digest"])
async def test_not_limited(feeds: FeedServer, db_url: str, clock: FixedClock, limit: int,
                           mode: Mode, force: bool) -> None:
    app, adapter = await make_app(db_url, clock, feeds, limit=limit, mode=mode)
    stories = Stories(feeds, clock)
    try:
        stories.add(5)
        await app.service.poll_due_feeds(force=True)
        if mode is Mode.DIGEST:
            clock.advance(days=1)  # past 08:00: the digest is due
        [outcome] = await app.service.deliver_due(force=force)
        assert (outcome.status, outcome.items) == ("sent", 5)
        assert len(titles_of(adapter, 0)) == 5
    finally:
        await app.close()
