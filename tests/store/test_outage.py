"""RELIABILITY row 24: the database goes away during a tick; the tick aborts cleanly and
the next one recovers (PostgreSQL: the server drops every connection of the bot)."""

from __future__ import annotations

import asyncio
import logging

import pytest
import sqlalchemy as sa

from bot.app import build_app
from bot.config import Settings
from bot.errors import StoreError
from bot.scheduler import _guarded
from bot.store.migrate import sync_url
from tests.support.clock import FixedClock


def _drop_connections(url: str) -> int:
    engine = sa.create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            return len(conn.execute(sa.text(
                # waits (up to 5 s) until each is gone, as after a restart
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )).all())
    finally:
        engine.dispose()


async def test_dropped_connections_cost_no_tick(
    store_url: str, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("connection loss is a server database's failure")
    app = await build_app(Settings(database_url=store_url), adapters={}, clock=clock)
    try:
        await app.store.list_feeds()  # the pool holds a live connection now
        assert _drop_connections(store_url) >= 1
        tick = _guarded("poll", app.service.poll_due_feeds)
        with caplog.at_level(logging.WARNING):
            await tick()
        # the dead connection was replaced before use: not even this tick was lost
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
        assert await app.store.list_feeds() == []
    finally:
        await app.close()


@pytest.mark.parametrize(("idle_s", "pings"), [(0.0, 0), (5.0, 1)],
                         ids=["just-returned", "idle-long"])
async def test_only_a_connection_idle_for_long_is_pinged(
    store_url: str, monkeypatch: pytest.MonkeyPatch, idle_s: float, pings: int
) -> None:
    """A ping is a round trip per checkout; a connection back in the pool a moment ago with
    nothing to read is used without one (the dropped ones above are caught by their socket)."""
    if not store_url.startswith("postgresql"):
        pytest.skip("SQLite has no server that could drop a connection")
    from bot.store import base
    from bot.store.migrate import upgrade
    from bot.store.sql import SqlStore

    upgrade(store_url)
    store = SqlStore(url=store_url, pool_size=1)
    try:
        await store.list_feeds()  # the pool holds a connection now
        dialect = store._engine.dialect
        real_ping = dialect.do_ping
        count: list[int] = []

        def counting_ping(dbapi_conn: object) -> bool:
            count.append(1)
            return bool(real_ping(dbapi_conn))

        monkeypatch.setattr(dialect, "do_ping", counting_ping)
        clock = base.time.monotonic() + idle_s
        monkeypatch.setattr(base.time, "monotonic", lambda: clock)
        assert await store.list_feeds() == []
        assert len(count) == pings
    finally:
        await store.close()


async def test_unreachable_database_aborts_the_tick(
    clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    # nothing listens on port 1: every statement fails as a StoreError, the tick logs it
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2"
    from bot.store.sql import SqlStore

    store = SqlStore(url=url)
    try:
        with pytest.raises(StoreError):
            await store.list_feeds()
    finally:
        await store.close()

    async def failing() -> None:
        raise StoreError("database error: OperationalError: connection refused")

    with caplog.at_level(logging.WARNING):
        await _guarded("poll", failing)()
    assert any("poll tick aborted" in r.getMessage() for r in caplog.records)


async def test_a_statement_abandoned_midway_leaves_the_pool_usable(store_url: str) -> None:
    """A poll past its deadline is cancelled (bot.service) while its connection may be inside
    a statement; the connection goes back to the pool and the next poll must not fail."""
    if not store_url.startswith("postgresql"):
        pytest.skip("the poll path's own statements are PostgreSQL's")
    from datetime import UTC, datetime

    from bot.store.migrate import upgrade
    from bot.store.sql import SqlStore

    upgrade(store_url)
    store = SqlStore(url=store_url, pool_size=1)  # the next call gets that very connection
    try:
        feed = await store.upsert_feed("https://example.org/rss", interval_s=600,
                                       now=datetime.now(UTC))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2), store._autocommit() as connection:
                await connection.execute("SELECT pg_sleep(5)")  # a poll's connection
        async with asyncio.timeout(2):
            assert await store.known_uids(feed.id, ["a"]) == set()
            assert [f.id for f in await store.list_feeds()] == [feed.id]
    finally:
        await store.close()
