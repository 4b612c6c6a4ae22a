"""Feed health notices end to end: a real feed server on 127.0.0.1 that starts answering
410, or 500 again and again, then recovers; a recording adapter; a clock the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.app import App, build_app, sync_config
from bot.config import ChannelConfig, FeedConfig, FileConfig, Settings, WatchlistConfig
from bot.core.schedule import DISABLE_AFTER_ERRORS
from bot.service import PollOutcome
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.support.feedserver import FeedServer, serve_feeds

WATCHLIST = WatchlistConfig.model_validate({
    "name": "tech",
    "tickers": [{"symbol": "SNOW", "names": ["Snowflake"]}, {"symbol": "NVDA",
                                                            "names": ["Nvidia"]}],
})

GONE_DE = "Feed eingestellt: Börse (127.0.0.1) meldet"
GONE_EN = "Feed stopped: Börse (127.0.0.1) says it is gone for good (HTTP 410)."
PAUSED_DE = f"Feed pausiert: Börse (127.0.0.1) ist {DISABLE_AFTER_ERRORS}-mal in Folge"
PAUSED_EN = f"Feed paused: Börse (127.0.0.1) failed {DISABLE_AFTER_ERRORS} times in a row."
BACK_DE = "Feed wieder da: Börse (127.0.0.1) funktioniert wieder"
BACK_EN = "Feed back: Börse (127.0.0.1) works again"


@pytest.fixture
async def feeds() -> AsyncIterator[FeedServer]:
    async with serve_feeds() as server:
        yield server


async def make_app(db_url: str, clock: FixedClock, feeds: FeedServer, *,
                   quiet: str | None = None) -> tuple[App, RecordingAdapter]:
    adapter = RecordingAdapter()
    settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"])
    app = await build_app(settings, adapters={"console": adapter}, clock=clock)
    config = FileConfig(
        feeds=[FeedConfig(url=feeds.url("boerse")), FeedConfig(url=feeds.url("other"))],
        watchlists=[WATCHLIST],
        channels=[
            ChannelConfig(adapter="console", id="de", lang="de", timezone="Europe/Berlin",
                          quiet=quiet, subscribe=["SNOW"]),
            ChannelConfig(adapter="console", id="en", lang="en", subscribe=["SNOW"]),
            # subscribed, but to nothing this feed carries: never told about it
            ChannelConfig(adapter="console", id="nvda", lang="en", subscribe=["NVDA"]),
        ],
    )
    await sync_config(app.store, config, clock)
    return app, adapter


async def feed_some_stories(app: App, clock: FixedClock, feeds: FeedServer) -> None:
    """A first poll that routes one story of `boerse` to de and en (and one of `other` to
    nvda), delivered: from now on these channels count as fed by the feed."""
    feeds.feed("boerse").publish(rss([Item("Snowflake legt zu", guid="s1",
                                           published=clock.now())], title="Börse"))
    feeds.feed("other").publish(rss([Item("Nvidia steigt", guid="n1",
                                          published=clock.now())], title="Andere"))
    outcomes = await app.service.poll_due_feeds()
    assert {o.status for o in outcomes} == {"new"}
    await app.service.deliver_due()


async def poll_boerse(app: App, feeds: FeedServer, *, force: bool = False) -> PollOutcome | None:
    """Poll what is due; the outcome of the `boerse` feed (None when it was not polled)."""
    outcomes = {o.url: o for o in await app.service.poll_due_feeds(force=force)}
    return outcomes.get(feeds.url("boerse"))


async def test_gone_feed_tells_the_channels_it_fed_once(
    feeds: FeedServer, db_url: str, clock: FixedClock
) -> None:
    app, adapter = await make_app(db_url, clock, feeds)
    try:
        await feed_some_stories(app, clock, feeds)
        assert adapter.notices == []
        feeds.feed("boerse").status = 410
        clock.advance(minutes=11)
        outcomes = {o.url: o for o in await app.service.poll_due_feeds()}
        gone = outcomes[feeds.url("boerse")]
        assert (gone.status, gone.transition) == ("disabled", "gone")
        assert outcomes[feeds.url("other")].transition is None
        [(de, de_text), (en, en_text)] = sorted(adapter.notices)
        assert (de, en) == ("de", "en")
        assert de_text.startswith(GONE_DE) and en_text.startswith(GONE_EN)

        # never requested again, never told again
        hits = feeds.feed("boerse").hits
        for _ in range(3):
            clock.advance(days=2)
            await app.service.poll_due_feeds(force=True)
            await app.service.deliver_due(force=True)
        assert feeds.feed("boerse").hits == hits
        assert len(adapter.notices) == 2
        [state] = [f for f in await app.store.list_feeds() if f.url == feeds.url("boerse")]
        assert state.disabled_reason is not None and state.disabled_reason.startswith("gone")
    finally:
        await app.close()


async def test_failing_feed_is_paused_after_n_failures_then_back(
    feeds: FeedServer, db_url: str, clock: FixedClock
) -> None:
    app, adapter = await make_app(db_url, clock, feeds)
    boerse = feeds.feed("boerse")
    try:
        await feed_some_stories(app, clock, feeds)
        boerse.status = 500
        for attempt in range(1, DISABLE_AFTER_ERRORS + 1):
            clock.advance(minutes=1)
            outcomes = {o.url: o for o in await app.service.poll_due_feeds(force=True)}
            outcome = outcomes[feeds.url("boerse")]
            if attempt < DISABLE_AFTER_ERRORS:
                assert (outcome.status, outcome.transition) == ("error", None)
                assert adapter.notices == []  # failures below the threshold stay quiet
        assert (outcome.status, outcome.transition) == ("disabled", "paused")
        [(de, de_text), (en, en_text)] = adapter.notices
        assert (de, en) == ("de", "en")
        assert de_text.startswith(PAUSED_DE) and en_text.startswith(PAUSED_EN)

        # paused: not polled with the others, probed once a day; a failed probe says nothing
        hits = boerse.hits
        clock.advance(hours=23)
        await app.service.poll_due_feeds(force=True)
        assert boerse.hits == hits
        clock.advance(hours=1)
        probe = await poll_boerse(app, feeds)
        assert probe is not None and (probe.status, probe.transition) == ("disabled", None)
        assert boerse.hits == hits + 1 and len(adapter.notices) == 2

        # it works again: the next probe enables it, tells the same channels, delivers news
        boerse.status = 200
        boerse.publish(rss([Item("Snowflake meldet Rekord", guid="s2", published=clock.now()),
                            Item("Snowflake legt zu", guid="s1")], title="Börse"))
        clock.advance(hours=24)
        back = await poll_boerse(app, feeds)
        assert back is not None
        assert (back.status, back.transition, back.new_entries) == ("new", "back", 1)
        [(de, de_text), (en, en_text)] = adapter.notices[2:]
        assert (de, en) == ("de", "en")
        assert de_text.startswith(BACK_DE) and en_text.startswith(BACK_EN)
        await app.service.deliver_due()
        assert [c for c, _ in adapter.sent[-2:]] == ["de", "en"]

        # healthy again: polled with the others, nothing more to tell
        clock.advance(minutes=11)
        outcomes = {o.url: o for o in await app.service.poll_due_feeds()}
        assert outcomes[feeds.url("boerse")].status == "not_modified"
        assert len(adapter.notices) == 4
        [state] = [f for f in await app.store.list_feeds() if f.url == feeds.url("boerse")]
        assert (state.disabled_reason, state.error_count) == (None, 0)
    finally:
        await app.close()


async def test_recovery_without_a_pause_is_not_announced(
    feeds: FeedServer, db_url: str, clock: FixedClock
) -> None:
    app, adapter = await make_app(db_url, clock, feeds)
    try:
        await feed_some_stories(app, clock, feeds)
        feeds.feed("boerse").status = 500
        for _ in range(DISABLE_AFTER_ERRORS - 1):
            await app.service.poll_due_feeds(force=True)
        feeds.feed("boerse").status = 200
        outcomes = {o.url: o for o in await app.service.poll_due_feeds(force=True)}
        assert outcomes[feeds.url("boerse")].transition is None
        assert adapter.notices == []
    finally:
        await app.close()


async def test_a_feed_that_fed_nobody_lately_tells_nobody(
    feeds: FeedServer, db_url: str, clock: FixedClock
) -> None:
    app, adapter = await make_app(db_url, clock, feeds)
    try:
        await feed_some_stories(app, clock, feeds)
        # 31 days later the feed's last story is out of the window
        clock.advance(days=31)
        feeds.feed("boerse").status = 410
        outcomes = {o.url: o for o in await app.service.poll_due_feeds()}
        assert outcomes[feeds.url("boerse")].transition == "gone"
        assert adapter.notices == []
    finally:
        await app.close()


async def test_notices_wait_for_the_end_of_quiet_hours(
    feeds: FeedServer, db_url: str, clock: FixedClock
) -> None:
    # 09:30 UTC is 10:30 in Berlin: the German channel is in its quiet hours
    app, adapter = await make_app(db_url, clock, feeds, quiet="10:30-12:00")
    try:
        feeds.feed("boerse").publish(rss([Item("Snowflake legt zu", guid="s1",
                                               published=clock.now())], title="Börse"))
        await app.service.poll_due_feeds()
        feeds.feed("boerse").status = 410
        clock.advance(minutes=11)
        await app.service.poll_due_feeds()
        assert [c for c, _ in adapter.notices] == ["en"]
        await app.service.deliver_due()
        assert [c for c, _ in adapter.notices] == ["en"]
        clock.advance(hours=1, minutes=20)  # 12:01 in Berlin
        await app.service.deliver_due()
        assert [c for c, _ in adapter.notices] == ["en", "de"]
        assert adapter.notices[1][1].startswith(GONE_DE)
        await app.service.deliver_due()
        assert len(adapter.notices) == 2
    finally:
        await app.close()


async def test_paused_and_back_within_quiet_hours_says_nothing(
    feeds: FeedServer, db_url: str, clock: FixedClock
) -> None:
    app, adapter = await make_app(db_url, clock, feeds, quiet="10:00-22:00")
    boerse = feeds.feed("boerse")
    try:
        await feed_some_stories(app, clock, feeds)
        boerse.status = 500
        for _ in range(DISABLE_AFTER_ERRORS):
            await app.service.poll_due_feeds(force=True)
        boerse.status = 200
        clock.advance(hours=24)  # 10:30 in Berlin the next day: quiet again
        back = await poll_boerse(app, feeds)
        assert back is not None and back.transition == "back"
        clock.advance(hours=12)
        await app.service.deliver_due()
        # en heard "paused" and "back" at once; de, quiet all along, heard neither
        assert [c for c, _ in adapter.notices] == ["en", "en"]
    finally:
        await app.close()


async def test_two_workers_racing_tell_once(
    feeds: FeedServer, db_url: str, clock: FixedClock
) -> None:
    first, adapter = await make_app(db_url, clock, feeds)
    second = await build_app(first.settings, adapters={"console": adapter}, clock=clock)
    try:
        await feed_some_stories(first, clock, feeds)
        feeds.feed("boerse").status = 410
        clock.advance(minutes=11)
        await asyncio.gather(first.service.poll_due_feeds(), second.service.poll_due_feeds())
        assert feeds.feed("boerse").hits >= 2  # both polled it
        assert sorted(c for c, _ in adapter.notices) == ["de", "en"]
    finally:
        await second.close()
        await first.close()
