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

from bot.core.models import Article, FeedState, Match
from bot.core.routing import Route

# the columns `FeedState` is made of (named as its fields), in its order: the claims select
# them, `feed_state_of` reads them back
STATE_COLUMNS = tuple(f.name for f in fields(FeedState))


def feed_state_of(row: Sequence[Any], *, read_time: Callable[[Any], datetime | None]
                  ) -> FeedState:
    """A row of `STATE_COLUMNS` as a `FeedState`; `read_time` turns the driver's time into
    an aware UTC datetime."""
    values = dict(zip(STATE_COLUMNS, row, strict=True))
    return FeedState(**values | {"next_poll_at": read_time(values["next_poll_at"]),
                                 "baselined": bool(values["baselined"])})


class PollWriter:
    """What a poll asks and writes for one feed (`FeedQueries.poll_writer`): the database's
    `statements` (bot/store/polls_pg.py or polls_sqlite.py), each call on the connection
    `connect` gives (PostgreSQL: the one the poll holds; SQLite: one in the process's turn,
    which the poll does not hold in between)."""

    def __init__(self, *, feed_id: int, statements: Any,
                 connect: Callable[[], AbstractAsyncContextManager[Any]]) -> None:
        self.feed_id = feed_id
        self._statements = statements
        self._connect = connect

    async def known_entries(
        self, uids: Iterable[str], *,
        stories: Callable[[set[str]], Sequence[Article]] | None = None,
    ) -> tuple[set[str], set[str]]:
        """A poll's dedupe: the `uids` this feed has and, with `stories`, those of the rest
        whose content it has under another id. `stories` gets the known uids and returns
        the rest as articles: the caller normalizes only entries not known (their content
        hash needs the plain text), meanwhile the connection waits."""
        async with self._connect() as conn:
            known: tuple[set[str], set[str]] = await self._statements.known_entries(
                conn, self.feed_id, uids, stories)
            return known

    async def record_poll(self, *, now: datetime, articles: Sequence[Article],
                          routes: Sequence[Route], etag: str | None, last_modified: str | None,
                          title: str, next_poll_at: datetime, body_hash: str | None = None
                          ) -> int:
        """Store new entries and their outbox rows together with the poll's outcome, all or
        nothing; returns the entries added. Entries already present (a concurrent poll) are
        skipped together with their routes, so an article is routed at most once per
        channel."""
        async with self._connect() as conn:
            added: int = await self._statements.record_poll(
                conn, self.feed_id, now=now, articles=articles, routes=routes, etag=etag,
                last_modified=last_modified, title=title, next_poll_at=next_poll_at,
                body_hash=body_hash)
            return added


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
