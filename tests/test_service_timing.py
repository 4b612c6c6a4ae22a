"""When the poller asks a feed again, end to end against a real server on 127.0.0.1 whose
answers (status, headers) the test sets per path: Retry-After and Cache-Control/Expires hold
the next request back; errors back off exponentially with jitter and reset on success
(RELIABILITY rows 4 and 5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from bot.app import App, build_app, sync_config
from bot.config import FeedConfig, FileConfig, Settings
from bot.core.models import FeedState
from bot.core.schedule import MAX_BACKOFF_S
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.support.ports import serve_app

INTERVAL_S = 600  # the default "10m"
BODY = rss([Item("Snowflake legt zu", guid="s1")])


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Server:
    base: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.hits[name] = self.hits.get(name, 0) + 1
        answer = self.answers.setdefault(name, Answer())
        body = BODY if answer.status == 200 else b""
        return web.Response(status=answer.status, headers=answer.headers, body=body,
                            content_type="application/rss+xml")

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    app = web.Application()
    app.router.add_get("/{name}", state.handle)
    async with serve_app(app) as state.base:
        yield state


async def make_app(db_url: str, clock: FixedClock, server: Server, *names: str) -> App:
    settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"])
    app = await build_app(settings, adapters={}, clock=clock)
    await sync_config(app.store, FileConfig(feeds=[FeedConfig(url=server.url(n))
                                                   for n in names]), clock)
    return app


async def feed_state(app: App, url: str) -> FeedState:
    [found] = [f for f in await app.store.list_feeds() if f.url == url]
    return found


async def requested_between(app: App, server: Server, clock: FixedClock, name: str, *,
                            not_before: timedelta, by: timedelta) -> None:
    """No request for `name` while polling due feeds until just before `not_before` from now;
    one when polling again at `by`."""
    start, hits = clock.now(), server.hits.get(name, 0)
    clock.advance(seconds=(not_before - timedelta(seconds=1)).total_seconds())
    await app.service.poll_due_feeds()
    assert server.hits.get(name, 0) == hits, "requested too early"
    clock.advance(seconds=(start + by - clock.now()).total_seconds())
    await app.service.poll_due_feeds()
    assert server.hits[name] == hits + 1, "not requested when due"


def http_date(when: datetime) -> str:
    return format_datetime(when, usegmt=True)


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_retry_after_holds_the_next_request_back(
        server: Server, db_url: str, clock: FixedClock, status: int, form: str) -> None:
    wait = timedelta(hours=2)  # far beyond the error backoff of a first failure (~20 min)
    value = (str(int(wait.total_seconds())) if form == "seconds"
             else http_date(clock.now() + wait))
    server.answers["f"] = Answer(status, {"Retry-After": value,
                                          "Date": http_date(clock.now())})
    app = await make_app(db_url, clock, server, "f")
    try:
        [outcome] = await app.service.poll_due_feeds()
        assert outcome.status == "error" and server.hits["f"] == 1
        server.answers["f"] = Answer()
        await requested_between(app, server, clock, "f", not_before=wait, by=wait)
    finally:
        await app.close()


@pytest.mark.parametrize("form", ["max-age", "expires"])
async def test_cache_lifetime_is_a_lower_bound_on_the_next_poll(
        server: Server, db_url: str, clock: FixedClock, form: str) -> None:
    fresh = timedelta(hours=1)  # longer than the feed's 10-minute interval
    headers = ({"Cache-Control": f"max-age={int(fresh.total_seconds())}"} if form == "max-age"
               else {"Date": http_date(clock.now()), "Expires": http_date(clock.now() + fresh)})
    server.answers["f"] = Answer(200, headers)
    app = await make_app(db_url, clock, server, "f")
    try:
        [outcome] = await app.service.poll_due_feeds()
        assert outcome.status == "new"
        await requested_between(app, server, clock, "f", not_before=fresh, by=fresh)
        # a shorter lifetime does not shorten the interval
        server.answers["f"] = Answer(200, {"Cache-Control": "max-age=60"})
        await requested_between(app, server, clock, "f", not_before=fresh, by=fresh)
        await requested_between(app, server, clock, "f",
                                not_before=timedelta(seconds=INTERVAL_S),
                                by=timedelta(seconds=INTERVAL_S))
    finally:
        await app.close()


async def test_errors_back_off_exponentially_with_jitter_then_reset_on_success(
        server: Server, db_url: str, clock: FixedClock) -> None:
    names = ("a", "b")  # two feeds failing together on one host
    for name in names:
        server.answers[name] = Answer(500)
    app = await make_app(db_url, clock, server, *names)
    try:
        gaps: dict[str, list[float]] = {n: [] for n in names}
        for errors in range(1, 6):
            polled_at = clock.now()
            await app.service.poll_due_feeds(force=errors == 1)
            for name in names:
                state = await feed_state(app, server.url(name))
                assert state.error_count == errors and server.hits[name] == errors
                assert state.next_poll_at is not None
                gap = (state.next_poll_at - polled_at).total_seconds()
                base = min(INTERVAL_S * 2 ** errors, MAX_BACKOFF_S)
                assert max(INTERVAL_S, 0.8 * base) <= gap <= 1.2 * base
                gaps[name].append(gap)
            # on to the later of the two due times: both are asked again
            due = max([(await feed_state(app, server.url(n))).next_poll_at for n in names],
                      key=lambda d: d or clock.now())
            assert due is not None
            clock.advance(seconds=(due - clock.now()).total_seconds())
        assert gaps["a"] != gaps["b"]  # jitter: feeds failing together spread out

        for name in names:
            server.answers[name] = Answer()
        polled_at = clock.now()
        await app.service.poll_due_feeds(force=True)
        for name in names:
            state = await feed_state(app, server.url(name))
            assert state.error_count == 0
            assert state.next_poll_at == polled_at + timedelta(seconds=INTERVAL_S)
    finally:
        await app.close()
