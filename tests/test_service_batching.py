"""The poll path's batching (issue #9, bench/pipeline.py): the unchanged polls of a batch are
written in one transaction at its end, and the routing is compiled again only when channels
or watchlists changed, not on every tick."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

import bot.service
from bot.app import App, build_app, sync_config
from bot.config import ChannelConfig, FeedConfig, FileConfig, Settings
from bot.core.models import Article, KeywordEntry, Watchlist
from bot.errors import StoreError
from bot.store.channels import ChannelQueries
from bot.store.feeds import UnchangedPoll
from bot.store.polls import PollWriter
from bot.store.sql import SqlStore
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.support.httpserver import LoopbackServer, Route, serve
from tests.test_service import WATCHLIST

FEEDS = 4


@pytest.fixture
def server() -> Any:
    routes = {f"/f{n}": Route(rss([Item(f"Snowflake meldet Zahlen ({n})", guid=f"s{n}")]))
              for n in range(FEEDS)}
    with serve(routes) as running:
        yield running


@pytest.fixture
async def app(db_url: str, clock: FixedClock, server: LoopbackServer) -> AsyncIterator[App]:
    settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"])
    built = await build_app(settings, adapters={"console": RecordingAdapter()}, clock=clock)
    await sync_config(built.store, FileConfig(
        feeds=[FeedConfig(url=server.url(path)) for path in server.routes],
        watchlists=[WATCHLIST],
        channels=[ChannelConfig(adapter="console", id="c", subscribe=["watchlist:tech"])],
    ), clock)
    yield built
    await built.close()


def count_writes(app: App, monkeypatch: pytest.MonkeyPatch,
                 fail: bool = False) -> list[list[UnchangedPoll]]:
    writes: list[list[UnchangedPoll]] = []
    real = app.store.record_unchanged

    async def recording(polls: list[UnchangedPoll]) -> None:
        writes.append(list(polls))
        if fail:
            raise StoreError("database error: OperationalError: database is locked")
        await real(polls)

    monkeypatch.setattr(app.store, "record_unchanged", recording)
    return writes


@pytest.mark.parametrize("second", ["not_modified", "unchanged"], ids=["304", "same-bytes"])
async def test_unchanged_polls_of_a_batch_are_written_together(
    app: App, server: LoopbackServer, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
    second: str,
) -> None:
    assert {o.status for o in await app.service.poll_due_feeds(force=True)} == {"new"}
    writes = count_writes(app, monkeypatch)
    if second == "not_modified":
        for path in server.routes:
            server.routes[path] = Route(b"", status=304)
    clock.advance(minutes=11)
    outcomes = await app.service.poll_due_feeds(force=True)
    assert [o.status for o in outcomes] == [second] * FEEDS
    assert [len(polls) for polls in writes] == [FEEDS]  # one write for the whole batch
    after = clock.now() + timedelta(minutes=10)
    assert {f.next_poll_at for f in await app.store.list_feeds()} == {after}


async def test_a_failed_batch_write_reports_its_feeds_as_errors(
    app: App, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await app.service.poll_due_feeds(force=True)
    count_writes(app, monkeypatch, fail=True)
    clock.advance(minutes=11)
    outcomes = await app.service.poll_due_feeds(force=True)
    assert {(o.status, o.error) for o in outcomes} == {
        ("error", "database error: OperationalError: database is locked")}
    # not recorded: still claimed, so polled again when the lease runs out
    assert all(f.next_poll_at is not None and f.next_poll_at > clock.now() + timedelta(
        minutes=4) for f in await app.store.list_feeds())


async def _subscribe_openai(store: SqlStore, clock: FixedClock) -> None:
    [channel] = await store.list_channels()
    await store.subscribe(channel.id, ["OPENAI"], now=clock.now())


async def _add_keyword(store: SqlStore, clock: FixedClock) -> None:
    [tech] = await store.list_watchlists()
    await store.upsert_watchlist(Watchlist(
        name=tech.name, tickers=tech.tickers,
        keywords=(*tech.keywords, KeywordEntry("OPENAI", ("OpenAI",)))), now=clock.now())


@pytest.mark.parametrize("elsewhere", [False, True], ids=["this-process", "another-process"])
@pytest.mark.parametrize("change", [_subscribe_openai, _add_keyword],
                         ids=["channel-subscribes", "watchlist-edited"])
async def test_routing_is_compiled_again_only_after_a_change(
    app: App, db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
    change: Callable[[SqlStore, FixedClock], Awaitable[None]], elsewhere: bool,
) -> None:
    compiled: list[int] = []
    real = bot.service.build_routing
    reads: list[int] = []
    real_read = ChannelQueries._watchlists

    def counting(*args: Any, **kwargs: Any) -> Any:
        compiled.append(1)
        return real(*args, **kwargs)

    async def reading(s: Any) -> Any:
        reads.append(1)
        return await real_read(s)

    monkeypatch.setattr(bot.service, "build_routing", counting)
    monkeypatch.setattr(ChannelQueries, "_watchlists", staticmethod(reading))
    article = Article(uid="o1", title="OpenAI ($OPENAI) stellt ein neues Modell vor", link=None,
                      published=None, text="", lang="de", feed_title="t")
    first = await app.service.load_routing()
    # unchanged: neither read (only the revision is) nor compiled again
    assert await app.service.load_routing() is first and len(compiled) == 1 and len(reads) == 1
    assert first.route([article]) == []
    # a second store on the same database stands for another process (the chat process)
    other = SqlStore(url=db_url) if elsewhere else app.store
    try:
        await change(other, clock)
    finally:
        if elsewhere:
            await other.close()
    again = await app.service.load_routing()
    assert len(compiled) == 2
    assert [r.article_uid for r in again.route([article])] == ["o1"]


async def test_a_hanging_poll_is_abandoned_before_its_claim_runs_out(
    db_url: str, clock: FixedClock, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"],
                        feed_lease_s=1.0)  # a poll may take 0.8 s
    built = await build_app(settings, adapters={"console": RecordingAdapter()}, clock=clock)
    try:
        await sync_config(built.store, FileConfig(
            feeds=[FeedConfig(url=server.url(path)) for path in server.routes]), clock)
        [stuck, *_] = await built.store.list_feeds()
        real = PollWriter.record_poll

        async def hanging(writer: PollWriter, **kwargs: Any) -> int:
            if writer.feed_id == stuck.id:
                await asyncio.Event().wait()  # a database call that never returns
            return await real(writer, **kwargs)

        monkeypatch.setattr(PollWriter, "record_poll", hanging)
        outcomes = {o.url: o for o in await built.service.poll_due_feeds()}
        assert outcomes.pop(stuck.url).error == (
            "poll abandoned after 0.8 s (the claim would run out)")
        assert {o.status for o in outcomes.values()} == {"new"}  # the batch's others
        assert [r.levelname for r in caplog.records if "abandoned" in r.getMessage()] == [
            "ERROR"]
        # still claimed: due again only when the lease runs out
        [state] = [f for f in await built.store.list_feeds() if f.id == stuck.id]
        assert state.next_poll_at is not None and state.next_poll_at > clock.now()
    finally:
        await built.close()
