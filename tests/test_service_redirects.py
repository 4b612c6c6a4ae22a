"""Permanent and temporary redirects end to end (RELIABILITY row 2): a real feed server on
127.0.0.1 whose old path redirects to a new one, the poller, and the stored feed URL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App, build_app, sync_config
from bot.config import ChannelConfig, FeedConfig, FileConfig, Settings, WatchlistConfig
from bot.core.models import FeedState
from bot.core.redirects import MOVE_AFTER_POLLS
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


def config(feeds: FeedServer, *names: str) -> FileConfig:
    return FileConfig(
        feeds=[FeedConfig(url=feeds.url(n)) for n in names], watchlists=[WATCHLIST],
        channels=[ChannelConfig(adapter="console", id="en", lang="en", subscribe=["SNOW"])])


async def make_app(db_url: str, clock: FixedClock, feeds: FeedServer, *names: str
                   ) -> tuple[App, RecordingAdapter]:
    adapter = RecordingAdapter()
    settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"])
    app = await build_app(settings, adapters={"console": adapter}, clock=clock)
    await sync_config(app.store, config(feeds, *names), clock)
    return app, adapter


def redirect(feeds: FeedServer, name: str, *, status: int, to: str) -> None:
    path = feeds.feed(name)
    path.status, path.location = status, feeds.url(to)


async def state(app: App, feed_id: int) -> FeedState:
    [found] = [f for f in await app.store.list_feeds() if f.id == feed_id]
    return found


def titles(adapter: RecordingAdapter) -> list[str]:
    return [item.title for _, digest in adapter.sent for group in digest.groups
            for item in group.items]


@pytest.mark.parametrize("status", [301, 308])
async def test_permanent_redirect_moves_the_feed_after_consistent_polls(
        feeds: FeedServer, db_url: str, clock: FixedClock, status: int) -> None:
    app, adapter = await make_app(db_url, clock, feeds, "old")
    redirect(feeds, "old", status=status, to="new")
    feeds.feed("new").publish(rss([Item("Snowflake one", guid="1", published=clock.now())]))
    try:
        [feed] = await app.store.list_feeds()
        for poll in range(1, MOVE_AFTER_POLLS):
            clock.advance(minutes=11)
            [outcome] = await app.service.poll_due_feeds()
            assert outcome.status in ("new", "not_modified")
            now = await state(app, feed.id)
            assert (now.url, now.redirect_url, now.redirect_polls) == (
                feeds.url("old"), feeds.url("new"), poll)
        clock.advance(minutes=11)
        await app.service.poll_due_feeds()
        moved = await state(app, feed.id)
        assert (moved.url, moved.redirect_url, moved.redirect_polls) == (feeds.url("new"), None, 0)
        assert moved.disabled_reason is None
        [entry] = await app.store.list_audit()
        assert (entry.action, entry.target) == ("feed.move", feeds.url("old"))
        assert feeds.url("new") in entry.detail

        # from now on the new URL is asked directly, and nothing is posted twice
        old_hits = feeds.feed("old").hits
        feeds.feed("new").publish(rss([Item("Snowflake one", guid="1", published=clock.now()),
                                       Item("Snowflake two", guid="2", published=clock.now())]))
        clock.advance(minutes=11)
        [outcome] = await app.service.poll_due_feeds()
        assert (outcome.url, outcome.new_entries) == (feeds.url("new"), 1)
        await app.service.deliver_due(force=True)
        assert feeds.feed("old").hits == old_hits
        assert sorted(titles(adapter)) == ["Snowflake one", "Snowflake two"]

        # the config file still names the old URL: it finds the moved feed, adds nothing
        await sync_config(app.store, config(feeds, "old"), clock)
        assert [f.url for f in await app.store.list_feeds()] == [feeds.url("new")]
        assert not await app.store.add_feed(feeds.url("old"), interval_s=600, title="t",
                                            now=clock.now())
    finally:
        await app.close()


@pytest.mark.parametrize("status", [302, 303, 307])
async def test_temporary_redirects_never_move_the_feed(
        feeds: FeedServer, db_url: str, clock: FixedClock, status: int) -> None:
    app, _ = await make_app(db_url, clock, feeds, "old")
    redirect(feeds, "old", status=status, to="new")
    feeds.feed("new").publish(rss([Item("Snowflake one", guid="1")]))
    try:
        for _ in range(2 * MOVE_AFTER_POLLS):
            clock.advance(minutes=11)
            [outcome] = await app.service.poll_due_feeds()
            assert outcome.status in ("new", "not_modified")
        [feed] = await app.store.list_feeds()
        assert (feed.url, feed.redirect_url, feed.redirect_polls) == (feeds.url("old"), None, 0)
        assert feeds.feed("old").hits == 2 * MOVE_AFTER_POLLS
        assert await app.store.list_audit() == []
    finally:
        await app.close()


async def test_a_failed_poll_neither_counts_nor_resets_the_redirect(
        feeds: FeedServer, db_url: str, clock: FixedClock) -> None:
    app, _ = await make_app(db_url, clock, feeds, "old")
    redirect(feeds, "old", status=301, to="new")
    feeds.feed("new").publish(rss([Item("Snowflake one", guid="1")]))
    try:
        [feed] = await app.store.list_feeds()
        for _ in range(MOVE_AFTER_POLLS - 1):
            await app.service.poll_due_feeds(force=True)
        feeds.feed("new").status = 500  # the target fails: this poll says nothing
        [outcome] = await app.service.poll_due_feeds(force=True)
        assert outcome.status == "error"
        assert (await state(app, feed.id)).redirect_polls == MOVE_AFTER_POLLS - 1
        feeds.feed("new").status = 200
        await app.service.poll_due_feeds(force=True)
        assert (await state(app, feed.id)).url == feeds.url("new")
    finally:
        await app.close()


async def test_redirect_to_a_url_another_feed_has_disables_the_old_feed(
        feeds: FeedServer, db_url: str, clock: FixedClock) -> None:
    app, _ = await make_app(db_url, clock, feeds, "old", "new")
    redirect(feeds, "old", status=301, to="new")
    feeds.feed("new").publish(rss([Item("Snowflake one", guid="1")]))
    try:
        old, new = await app.store.list_feeds()
        for _ in range(MOVE_AFTER_POLLS):
            await app.service.poll_due_feeds(force=True)
        old_now, new_now = await state(app, old.id), await state(app, new.id)
        assert old_now.url == feeds.url("old") and new_now.disabled_reason is None
        assert old_now.disabled_reason is not None
        assert f"already polled as feed #{new.id}" in old_now.disabled_reason
        [entry] = await app.store.list_audit()
        assert (entry.action, entry.target) == ("feed.move", feeds.url("old"))
        assert "disabled" in entry.detail
        hits = feeds.feed("old").hits
        clock.advance(days=2)
        await app.service.poll_due_feeds(force=True)
        assert feeds.feed("old").hits == hits  # stopped, not probed
    finally:
        await app.close()
