"""SQLite: the poll path's statements, plain SQL on the pooled aiosqlite connection, each call
in the process's SQLite turn: a tick's claim of due feeds (`claim_due`), the unchanged polls
of a batch (`record_unchanged`), and a poll's dedupe questions and its write (`PollWriter`
with `connect`).

Through SQLAlchemy every statement cost several hand-offs to aiosqlite's thread (a cursor, the
statement, its rows, closing the cursor) plus the ORM's own work: 5.5 ms of CPU to store a
poll of 50 new entries, 1.8 ms this way (bench/scale.md). The write is one transaction:
`BEGIN IMMEDIATE` takes SQLite's write lock at once (another process, the CLI, waits for the
busy timeout instead of failing halfway), the entries not stored yet are inserted, the routed
ones get their outbox rows, the feed its poll state, or nothing at all.

Values are stored the way SQLAlchemy stores them here (`bot/store/schema.py`): times as naive
UTC text with microseconds, booleans as 0/1, the outbox's matches as JSON text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from bot.core.models import Article, FeedState
from bot.core.routing import Route
from bot.store.base import database_error
from bot.store.polls import STATE_COLUMNS, aware, feed_state_of, matches_json

_CHUNK = 500  # values per IN list: below every SQLite version's variable limit
_INSERT_ENTRY = (
    "INSERT INTO entries (feed_id, uid, title, link, published, text, lang, content_hash, "
    "seen_at, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_DELIVERY = (
    "INSERT INTO deliveries (channel_id, entry_id, matches, status, attempts, created_at) "
    "VALUES (?, ?, ?, 'pending', 0, ?)")
_POLLED = (
    "UPDATE feeds SET etag = ?, last_modified = ?, title = COALESCE(NULLIF(?, ''), title), "
    "next_poll_at = ?, last_polled_at = ?, error_count = 0, last_error = NULL, baselined = 1, "
    "body_hash = ? WHERE id = ?")


@asynccontextmanager
async def _immediate(conn: Any) -> AsyncIterator[None]:
    """One write transaction: SQLite's write lock taken at once, committed, or rolled back
    when the work inside fails or is cancelled."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")


async def known_entries(
    conn: Any, feed_id: int, uids: Iterable[str],
    stories: Callable[[set[str]], Sequence[Article]] | None,
) -> tuple[set[str], set[str]]:
    """`PollWriter.known_entries` (see there)."""
    try:
        known = await _select(conn, "uid", feed_id, list(set(uids)))
        new = stories(known) if stories is not None else ()
        if not new:
            return known, set()
        seen = await _select(conn, "content_hash", feed_id,
                             list({a.content_hash for a in new if a.content_hash}))
        return known, {a.uid for a in new if a.content_hash in seen}
    except sqlite3.Error as exc:
        raise database_error(exc) from exc


async def record_poll(conn: Any, feed_id: int, *, now: datetime, articles: Sequence[Article],
                      routes: Sequence[Route], etag: str | None, last_modified: str | None,
                      title: str, next_poll_at: datetime, body_hash: str | None) -> int:
    """`PollWriter.record_poll` (see there): one transaction, all of it or nothing."""
    stamp = stored_time(now)
    rows = [(feed_id, a.uid, a.title, a.link,
             None if a.published is None else stored_time(a.published), a.text, a.lang,
             a.content_hash, stamp, a.description) for a in articles]
    polled = (etag, last_modified, title, stored_time(next_poll_at), stamp, body_hash, feed_id)
    try:
        async with _immediate(conn):
            added = await _insert(conn, feed_id, rows, routes, stamp)
            await conn.execute(_POLLED, polled)
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return added


async def _insert(conn: Any, feed_id: int, rows: list[tuple[Any, ...]],
                  routes: Sequence[Route], stamp: str) -> int:
    """The entries of `rows` not stored yet (the first of a repeated uid) and the outbox rows
    of those among them that are routed; returns the entries added."""
    if not rows:
        return 0
    existing = await _select(conn, "uid", feed_id, list({row[1] for row in rows}))
    fresh: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        if row[1] not in existing:
            fresh.setdefault(row[1], row)
    if not fresh:
        return 0
    await conn.executemany(_INSERT_ENTRY, list(fresh.values()))
    routed = [route for route in routes if route.article_uid in fresh]
    if routed:  # the ids only of entries that go to the outbox (most match nothing)
        ids = await _ids(conn, feed_id, list({route.article_uid for route in routed}))
        await conn.executemany(_INSERT_DELIVERY, [
            (route.channel_id, ids[route.article_uid], matches_json(route.matches), stamp)
            for route in routed])
    return len(fresh)


async def _select(conn: Any, column: str, feed_id: int, values: list[str]) -> set[str]:
    """Which of `values` this feed has in `column` (uid or content_hash)."""
    return {value for (value,) in await _rows(conn, column, column, feed_id, values)}


async def _ids(conn: Any, feed_id: int, uids: list[str]) -> dict[str, int]:
    return dict(await _rows(conn, "uid, id", "uid", feed_id, uids))


async def _rows(conn: Any, columns: str, key: str, feed_id: int, values: list[str]
                ) -> list[tuple[Any, ...]]:
    """`columns` of this feed's entries whose `key` is one of `values`, an IN list of at
    most `_CHUNK` values at a time."""
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(values), _CHUNK):
        chunk = values[start:start + _CHUNK]
        rows += await conn.execute_fetchall(
            f"SELECT {columns} FROM entries WHERE feed_id = ? AND {key} IN "
            f"({', '.join('?' * len(chunk))})", (feed_id, *chunk))
    return rows


_STATE = ", ".join(STATE_COLUMNS)
# due feeds, then paused ones whose probe is due, each in SQLite's order of next_poll_at
# (NULL first), as the unclaimed look (`FeedQueries.claim_due` without an owner) lists them
_DUE = (f"SELECT {_STATE} FROM feeds WHERE disabled_reason IS NULL"
        " AND (? OR next_poll_at IS NULL OR next_poll_at <= ?) ORDER BY next_poll_at LIMIT ?")
_PAUSED = (f"SELECT {_STATE} FROM feeds WHERE disabled_reason IS NOT NULL"
           " AND next_poll_at IS NOT NULL AND next_poll_at <= ? ORDER BY next_poll_at LIMIT ?")
_UNCHANGED = ("UPDATE feeds SET next_poll_at = ?, last_polled_at = ?, error_count = 0, "
              "last_error = NULL WHERE id = ?")
_UNCHANGED_VALIDATED = (
    "UPDATE feeds SET next_poll_at = ?, last_polled_at = ?, error_count = 0, "
    "last_error = NULL, etag = ?, last_modified = ? WHERE id = ?")


async def claim_due(conn: Any, *, now: datetime, force: bool, limit: int, paused_limit: int,
                    owner: str, until: datetime) -> list[FeedState]:
    """`FeedQueries.claim_due` with an owner (see there): read and leased in one
    transaction; the states are the feeds as they were before the lease."""
    at = stored_time(now)
    try:
        async with _immediate(conn):
            rows = [*(await conn.execute_fetchall(_DUE, (force, at, limit)) if limit > 0
                      else ()),
                    *(await conn.execute_fetchall(_PAUSED, (at, paused_limit))
                      if paused_limit > 0 else ())]
            if rows:
                lease = stored_time(until)
                await conn.execute(
                    f"UPDATE feeds SET next_poll_at = ?, lease_owner = ?, lease_until = ? "
                    f"WHERE id IN ({', '.join('?' * len(rows))})",
                    (lease, owner[:100], lease, *(row[0] for row in rows)))
    except sqlite3.Error as exc:
        raise database_error(exc) from exc
    return [feed_state_of(row, read_time=read_time) for row in rows]


async def record_unchanged(conn: Any, polls: Sequence[Any]) -> None:
    """`FeedQueries.record_unchanged` (see there) in one transaction: a feed's validators
    change only with the poll that brought new ones; a feed removed meanwhile is skipped."""
    plain = [(stored_time(p.next_poll_at), stored_time(p.now), p.feed_id)
             for p in polls if p.validators is None]
    validated = [(stored_time(p.next_poll_at), stored_time(p.now), *p.validators, p.feed_id)
                 for p in polls if p.validators is not None]
    try:
        async with _immediate(conn):
            if plain:
                await conn.executemany(_UNCHANGED, plain)
            if validated:
                await conn.executemany(_UNCHANGED_VALIDATED, validated)
    except sqlite3.Error as exc:
        raise database_error(exc) from exc


def read_time(value: str | None) -> datetime | None:
    """A time as `UtcDateTime` reads it back on SQLite: aware UTC."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def stored_time(value: datetime) -> str:
    """A time as `UtcDateTime` stores it on SQLite: naive UTC, SQLAlchemy's text form."""
    return aware(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
