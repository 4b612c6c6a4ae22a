"""SQLite has one writer: a process's transactions take turns (`StoreBase._tx`,
`_autocommit`) instead of meeting inside SQLite. A write transaction keeps the database locked
across the awaits of its coroutine; while the event loop runs other work (parsing other
feeds on a slow machine) a second writer's busy timeout ran out: "database is locked", the
poll not recorded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

import bot.store.base
import bot.store.polls_sqlite
from bot.errors import StoreError
from bot.store.migrate import upgrade
from bot.store.sql import SqlStore
from tests.store.test_sql import NOW, article

BUSY_MS = 100  # instead of 5 s: the control fails fast


def _short_busy_timeout(dbapi_conn: Any, record: Any) -> None:
    real_pragmas(dbapi_conn, record)
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    cursor.close()


real_pragmas = bot.store.base._sqlite_pragmas


@pytest.fixture
async def sqlite_store(db_url: str, monkeypatch: pytest.MonkeyPatch
                       ) -> AsyncIterator[SqlStore]:
    upgrade(db_url)
    monkeypatch.setattr(bot.store.base, "_sqlite_pragmas", _short_busy_timeout)
    store = SqlStore(url=db_url)
    yield store
    await store.close()


@pytest.mark.parametrize("turns", [True, False], ids=["taking-turns", "control-without"])
async def test_a_write_waits_for_the_one_in_progress(
        sqlite_store: SqlStore, monkeypatch: pytest.MonkeyPatch, turns: bool) -> None:
    if not turns:
        sqlite_store._turn = None  # the control: what taking turns prevents
    slow, quick = [await sqlite_store.upsert_feed(f"https://example.org/{n}.xml",
                                                  interval_s=600, now=NOW) for n in (1, 2)]
    real_insert = bot.store.polls_sqlite._insert

    async def busy_loop_meanwhile(conn: Any, feed_id: int, *args: Any) -> int:
        added = await real_insert(conn, feed_id, *args)
        if feed_id == slow.id:  # written, not committed: the loop does other work now
            await asyncio.sleep(5 * BUSY_MS / 1000)
        return added

    monkeypatch.setattr(bot.store.polls_sqlite, "_insert", busy_loop_meanwhile)

    async def poll(feed_id: int) -> int:
        return await sqlite_store.record_poll(
            feed_id, now=NOW, articles=[article(f"u{feed_id}")], routes=[], etag=None,
            last_modified=None, title="T", next_poll_at=NOW)

    first = asyncio.create_task(poll(slow.id))
    await asyncio.sleep(BUSY_MS / 1000)  # the first holds the write lock
    if turns:
        assert await poll(quick.id) == 1
    else:
        with pytest.raises(StoreError, match="database is locked"):
            await poll(quick.id)
    assert await first == 1


async def test_a_write_cancelled_midway_stores_nothing_and_frees_the_database(
        sqlite_store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """A poll past its deadline is cancelled (bot.service), here inside its write
    transaction: the transaction is rolled back, the write lock and the turn given back."""
    feed = await sqlite_store.upsert_feed("https://example.org/1.xml", interval_s=600, now=NOW)
    real_insert = bot.store.polls_sqlite._insert

    async def hanging(conn: Any, feed_id: int, *args: Any) -> int:
        await real_insert(conn, feed_id, *args)
        await asyncio.Event().wait()  # written, not committed, and never going on
        return 0

    monkeypatch.setattr(bot.store.polls_sqlite, "_insert", hanging)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.2):
            await sqlite_store.record_poll(
                feed.id, now=NOW, articles=[article("u1")], routes=[], etag=None,
                last_modified=None, title="T", next_poll_at=NOW)
    monkeypatch.setattr(bot.store.polls_sqlite, "_insert", real_insert)
    assert await sqlite_store.known_uids(feed.id, ["u1"]) == set()
    async with asyncio.timeout(2 * BUSY_MS / 1000 + 1):
        assert await sqlite_store.record_poll(
            feed.id, now=NOW, articles=[article("u2")], routes=[], etag=None,
            last_modified=None, title="T", next_poll_at=NOW) == 1
