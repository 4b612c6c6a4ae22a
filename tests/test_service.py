"""The pipeline end to end: loopback feed server → fetch → parse → dedupe → match → outbox →
digest → adapter, on a real SQLite file, with a clock the test controls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web

from bot.app import App, build_app, sync_config
from bot.config import ChannelConfig, FeedConfig, FileConfig, Settings, WatchlistConfig
from bot.core.models import Mode
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.support.ports import serve_app

WATCHLIST = WatchlistConfig.model_validate({
    "name": "tech",
    "tickers": [{"symbol": "SNOW", "names": ["Snowflake"]}, {"symbol": "NVDA",
                                                            "names": ["Nvidia"]}],
    "keywords": [{"key": "DEEPSEEK", "terms": ["DeepSeek"]}],
})


class FeedServer:
    """Serves /feed with ETag support; the test swaps the body between polls."""

    def __init__(self) -> None:
        self.body = b""
        self.etag = '"1"'
        self.status = 200
        self.hits = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        if self.status != 200:
            return web.Response(status=self.status)
        if request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304)
        return web.Response(body=self.body, headers={"ETag": self.etag},
                            content_type="application/rss+xml")

    def publish(self, body: bytes) -> None:
        self.body = body
        self.etag = f'"{int(self.etag.strip(chr(34))) + 1}"'


@pytest.fixture
async def server() -> AsyncIterator[tuple[FeedServer, str]]:
    feeds = FeedServer()
    web_app = web.Application()
    web_app.router.add_get("/feed", feeds.handle)
    async with serve_app(web_app) as base:
        yield feeds, base


async def make_app(db_url: str, clock: FixedClock, base: str, *, mode: Mode = Mode.INSTANT,
                   extra_feeds: tuple[str, ...] = (), quiet: str | None = None,
                   allow: tuple[str, ...] = ("127.0.0.0/8",),
                   ) -> tuple[App, RecordingAdapter]:
    adapter = RecordingAdapter()
    # the feed server listens on 127.0.0.1, which the network guard refuses unless allowed
    settings = Settings(database_url=db_url, fetch_allow_networks=list(allow))
    app = await build_app(settings, adapters={"console": adapter}, clock=clock)
    config = FileConfig(
        feeds=[FeedConfig(url=f"{base}/feed"), *(FeedConfig(url=u) for u in extra_feeds)],
        watchlists=[WATCHLIST],
        channels=[ChannelConfig(adapter="console", id="de", lang="de", timezone="Europe/Berlin",
                                mode=mode, schedule=["17:30"], quiet=quiet,
                                subscribe=["watchlist:tech"])],
    )
    await sync_config(app.store, config, clock)
    return app, adapter


async def test_baseline_then_new_items_then_no_repost(
    server: tuple[FeedServer, str], db_url: str, clock: FixedClock
) -> None:
    feeds, base = server
    now = clock.now()
    backlog = [Item(f"Snowflake Meldung {i}", guid=f"g{i}", link=f"https://ex.org/{i}",
                    published=now - timedelta(hours=i * 5)) for i in range(10)]
    feeds.publish(rss(backlog))
    app, adapter = await make_app(db_url, clock, base)
    try:
        [poll] = await app.service.poll_due_feeds()
        assert (poll.status, poll.new_entries, poll.routed) == ("new", 10, 3)
        await app.service.deliver_due()
        [(channel, digest)] = adapter.sent
        assert channel == "de" and digest.instant and digest.lang == "de"
        assert [i.title for g in digest.groups for i in g.items] == [
            "Snowflake Meldung 0", "Snowflake Meldung 1", "Snowflake Meldung 2"]

        # unchanged feed: conditional GET answered 304, nothing new
        clock.advance(minutes=11)
        [poll] = await app.service.poll_due_feeds()
        assert poll.status == "not_modified"

        # one new story and one edited old story (same guid, new title)
        clock.advance(minutes=11)
        fresh = Item("DeepSeek stellt Modell vor", guid="new", link="https://ex.org/new",
                     published=clock.now())
        edited = Item("Snowflake Meldung 0 (aktualisiert)", guid="g0", link="https://ex.org/0",
                      published=now)
        feeds.publish(rss([fresh, edited, *backlog[1:]]))
        [poll] = await app.service.poll_due_feeds()
        assert (poll.new_entries, poll.routed) == (1, 1)
        await app.service.deliver_due()
        assert len(adapter.sent) == 2
        assert [g.key for g in adapter.sent[1][1].groups] == ["DEEPSEEK"]
        assert await app.service.deliver_due() == []
    finally:
        await app.close()


async def test_digest_channel_waits_for_schedule_then_sends_once(
    server: tuple[FeedServer, str], db_url: str, clock: FixedClock
) -> None:
    feeds, base = server
    feeds.publish(rss([Item("Nvidia-Aktie steigt", guid="n1", published=clock.now())]))
    app, adapter = await make_app(db_url, clock, base, mode=Mode.DIGEST)
    try:
        await app.service.poll_due_feeds()
        # 10:30 Berlin; the digest is at 17:30 Berlin
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "held" and adapter.sent == []
        clock.advance(hours=7, minutes=1)
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "sent"
        [(_, digest)] = adapter.sent
        assert not digest.instant and digest.groups[0].key == "NVDA"
        assert await app.service.deliver_due() == []
    finally:
        await app.close()


async def test_quiet_hours_hold_then_release(
    server: tuple[FeedServer, str], db_url: str, clock: FixedClock
) -> None:
    feeds, base = server
    feeds.publish(rss([Item("Nvidia-Aktie steigt", guid="n1", published=clock.now())]))
    app, adapter = await make_app(db_url, clock, base, quiet="10:00-12:00")
    try:
        await app.service.poll_due_feeds()
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "held" and adapter.sent == []
        clock.advance(hours=2)
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "sent" and len(adapter.sent) == 1
    finally:
        await app.close()


async def test_broken_feed_does_not_stop_the_others(
    server: tuple[FeedServer, str], db_url: str, clock: FixedClock
) -> None:
    feeds, base = server
    feeds.publish(rss([Item("Snowflake legt zu", guid="s1", published=clock.now())]))
    app, adapter = await make_app(db_url, clock, base,
                                  extra_feeds=(f"{base}/missing", "http://127.0.0.1:9/closed"))
    try:
        outcomes = {o.url: o for o in await app.service.poll_due_feeds()}
        assert outcomes[f"{base}/feed"].status == "new"
        assert outcomes[f"{base}/missing"].status == "error"
        assert "404" in (outcomes[f"{base}/missing"].error or "")
        assert outcomes["http://127.0.0.1:9/closed"].status == "error"
        await app.service.deliver_due()
        assert len(adapter.sent) == 1
        states = {f.url: f for f in await app.store.list_feeds()}
        assert states[f"{base}/missing"].error_count == 1
        assert states[f"{base}/feed"].error_count == 0
    finally:
        await app.close()


async def test_gone_feed_is_disabled(
    server: tuple[FeedServer, str], db_url: str, clock: FixedClock
) -> None:
    feeds, base = server
    feeds.status = 410
    app, _ = await make_app(db_url, clock, base)
    try:
        [outcome] = await app.service.poll_due_feeds()
        assert outcome.status == "disabled"
        clock.advance(days=1)
        assert await app.service.poll_due_feeds(force=True) == []
        assert feeds.hits == 1
    finally:
        await app.close()


async def test_failed_send_keeps_items_pending(
    server: tuple[FeedServer, str], db_url: str, clock: FixedClock
) -> None:
    from bot.errors import TransientError

    feeds, base = server
    feeds.publish(rss([Item("Snowflake legt zu", guid="s1", published=clock.now())]))
    app, adapter = await make_app(db_url, clock, base)
    try:
        await app.service.poll_due_feeds()
        adapter.fail_with = TransientError("platform is down")
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "failed"
        adapter.fail_with = None
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "held"  # backing off
        clock.advance(minutes=2)
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "sent" and len(adapter.sent) == 1
    finally:
        await app.close()


async def test_internal_feed_urls_are_refused_without_the_allow_list(
    server: tuple[FeedServer, str], db_url: str, clock: FixedClock
) -> None:
    feeds, base = server
    feeds.publish(rss([Item("Snowflake legt zu", guid="s1", published=clock.now())]))
    app, adapter = await make_app(db_url, clock, base, allow=())
    try:
        [poll] = await app.service.poll_due_feeds()
        assert poll.status == "error"
        assert poll.error == "refused: 127.0.0.1 is a loopback address"
        assert feeds.hits == 0 and adapter.sent == []
    finally:
        await app.close()
