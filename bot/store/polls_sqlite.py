"""SQLite: a poll's dedupe questions and its write as plain statements on the pooled aiosqlite
connection (`PollWriter` with `connect`), each call in the process's SQLite turn.

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
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.core.models import Article
from bot.core.routing import Route
from bot.errors import StoreError
from bot.store.polls import aware, matches_json

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
        raise _wrapped(exc) from exc


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
        await conn.execute("BEGIN IMMEDIATE")
        try:
            added = await _insert(conn, feed_id, rows, routes, stamp)
            await conn.execute(_POLLED, polled)
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise _wrapped(exc) from exc
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
    found: set[str] = set()
    for start in range(0, len(values), _CHUNK):
        chunk = values[start:start + _CHUNK]
        rows = await conn.execute_fetchall(
            f"SELECT {column} FROM entries WHERE feed_id = ? AND {column} IN "
            f"({', '.join('?' * len(chunk))})", (feed_id, *chunk))
        found.update(value for (value,) in rows)
    return found


async def _ids(conn: Any, feed_id: int, uids: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(uids), _CHUNK):
        chunk = uids[start:start + _CHUNK]
        rows = await conn.execute_fetchall(
            f"SELECT uid, id FROM entries WHERE feed_id = ? AND uid IN "
            f"({', '.join('?' * len(chunk))})", (feed_id, *chunk))
        ids.update((uid, entry_id) for uid, entry_id in rows)
    return ids


def stored_time(value: datetime) -> str:
    """A time as `UtcDateTime` stores it on SQLite: naive UTC, SQLAlchemy's text form."""
    return aware(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _wrapped(exc: sqlite3.Error) -> StoreError:
    # "database is locked" and a feed removed while it was polled (a foreign key) alike: the
    # poll is not recorded, and the feed, if it is still there, comes again
    return StoreError(f"database error: {type(exc).__name__}: {exc}")
