"""A poll's dedupe questions and its write (`PollWriter`), the hot path of a poll with new
entries, as plain statements on the driver's connection: PostgreSQL's in
`bot/store/polls_pg.py` (one connection held for the poll, autocommit, the write one
statement), SQLite's in `bot/store/polls_sqlite.py` (each call on a pooled connection in the
process's SQLite turn, the write one transaction). Both keep an article's routes only when
this poll stored it, so it is routed at most once per channel.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import fields
from datetime import datetime
from typing import Any

from bot.core.models import Article, Match
from bot.core.routing import Route


class PollWriter:
    """What a poll asks and writes for one feed (`FeedQueries.poll_writer`): on PostgreSQL on
    the psycopg `connection` it holds for the poll; on SQLite each call on an aiosqlite
    connection of its own, from `connect` (which also takes the process's SQLite turn)."""

    def __init__(self, *, feed_id: int, connection: Any = None,
                 connect: Callable[[], AbstractAsyncContextManager[Any]] | None = None
                 ) -> None:
        if (connection is None) == (connect is None):
            raise ValueError("a PollWriter needs a connection or a way to connect")
        self.feed_id = feed_id
        self._connection = connection
        self._connect = connect

    async def known_entries(
        self, uids: Iterable[str], *,
        stories: Callable[[set[str]], Sequence[Article]] | None = None,
    ) -> tuple[set[str], set[str]]:
        """A poll's dedupe: the `uids` this feed has and, with `stories`, those of the rest
        whose content it has under another id. `stories` gets the known uids and returns
        the rest as articles: the caller normalizes only entries not known (their content
        hash needs the plain text), meanwhile the connection waits."""
        if self._connection is not None:
            from bot.store import polls_pg

            return await polls_pg.known_entries(self._connection, self.feed_id, uids, stories)
        from bot.store import polls_sqlite

        assert self._connect is not None
        async with self._connect() as conn:
            return await polls_sqlite.known_entries(conn, self.feed_id, uids, stories)

    async def record_poll(self, *, now: datetime, articles: Sequence[Article],
                          routes: Sequence[Route], etag: str | None, last_modified: str | None,
                          title: str, next_poll_at: datetime, body_hash: str | None = None
                          ) -> int:
        """Store new entries and their outbox rows together with the poll's outcome, all or
        nothing; returns the entries added. Entries already present (a concurrent poll) are
        skipped together with their routes, so an article is routed at most once per
        channel."""
        if self._connection is not None:
            from bot.store import polls_pg

            return await polls_pg.record_poll(
                self._connection, self.feed_id, now=now, articles=articles, routes=routes,
                etag=etag, last_modified=last_modified, title=title,
                next_poll_at=next_poll_at, body_hash=body_hash)
        from bot.store import polls_sqlite

        assert self._connect is not None
        async with self._connect() as conn:
            return await polls_sqlite.record_poll(
                conn, self.feed_id, now=now, articles=articles, routes=routes, etag=etag,
                last_modified=last_modified, title=title, next_poll_at=next_poll_at,
                body_hash=body_hash)


def aware(value: datetime) -> datetime:
    """What `UtcDateTime` checks at its boundary, for the values that bypass it."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return value


def matches_json(matches: Sequence[Match]) -> str:
    # the JSON column's own serialisation (json.dumps), so stored rows read back the same
    return json.dumps([_match_value(m) for m in matches])


_MATCH_FIELDS = tuple(f.name for f in fields(Match))


def _match_value(match: Match) -> dict[str, Any]:
    """`asdict` without its deep copies (the fields are plain values): a hot path."""
    return {name: getattr(match, name) for name in _MATCH_FIELDS}
