"""A poll's dedupe questions and its write (`PollWriter`), the hot path of a poll with new
entries.

On PostgreSQL they are plain statements on one connection in autocommit mode, the write one
statement (`bot/store/polls_pg.py`). The portable form (SQLite) runs each call in a
transaction of its own: it selects the known ids, inserts the rest with an executemany,
selects the ids of the routed entries and inserts their outbox rows. Both keep an article's
routes only when this poll stored it, so it is routed at most once per channel.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import Article, Match
from bot.core.routing import Route
from bot.errors import StoreError
from bot.store.schema import DeliveryRow, EntryRow, FeedRow

_ENTRIES = cast(Table, EntryRow.__table__)
_DELIVERIES = cast(Table, DeliveryRow.__table__)


class PollWriter:
    """What a poll asks and writes for one feed (`FeedQueries.poll_writer`): on PostgreSQL
    as statements on the pooled psycopg `connection` it holds (autocommit), elsewhere each
    call in a `transaction` of its own."""

    def __init__(self, *, feed_id: int,
                 transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]]
                 | None = None, connection: Any = None) -> None:
        if (connection is None) == (transaction is None):
            raise ValueError("a PollWriter needs a connection or a transaction factory")
        self.feed_id = feed_id
        self._connection = connection
        self._transaction = transaction

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
        assert self._transaction is not None
        async with self._transaction() as s:
            known = await known_uids(s, self.feed_id, list(set(uids)))
            new = stories(known) if stories is not None else ()
            repeated = await known_stories(s, self.feed_id, new) if new else set()
            return known, repeated

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
        assert self._transaction is not None
        try:
            async with self._transaction() as s:
                added = await insert_poll(s, self.feed_id, now=now, articles=articles,
                                          routes=routes)
                await s.execute(update(FeedRow).where(FeedRow.id == self.feed_id).values(
                    etag=etag, last_modified=last_modified, title=title or FeedRow.title,
                    next_poll_at=next_poll_at, last_polled_at=now, error_count=0,
                    last_error=None, baselined=True, body_hash=body_hash,
                ))
                return added
        except IntegrityError as exc:  # e.g. the feed was removed during its poll
            raise StoreError(f"database error: {type(exc.orig).__name__}: {exc.orig}"
                             ) from exc


async def known_uids(s: AsyncSession, feed_id: int, wanted: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(wanted), 500):  # stay below SQLite's variable limit
        rows = await s.execute(select(EntryRow.uid).where(
            EntryRow.feed_id == feed_id, EntryRow.uid.in_(wanted[start:start + 500])))
        found.update(rows.scalars())
    return found


async def known_stories(s: AsyncSession, feed_id: int, articles: Sequence[Article]
                        ) -> set[str]:
    hashes = list({a.content_hash for a in articles if a.content_hash})
    seen: set[str] = set()
    for start in range(0, len(hashes), 500):
        rows = await s.execute(select(EntryRow.content_hash).where(
            EntryRow.feed_id == feed_id,
            EntryRow.content_hash.in_(hashes[start:start + 500])))
        seen.update(rows.scalars())
    return {a.uid for a in articles if a.content_hash in seen}


async def insert_poll(s: AsyncSession, feed_id: int, *, now: datetime,
                      articles: Sequence[Article], routes: Sequence[Route]) -> int:
    """The portable form (SQLite); returns the entries added."""
    existing = set((await s.execute(
        select(EntryRow.uid).where(EntryRow.feed_id == feed_id,
                                   EntryRow.uid.in_([a.uid for a in articles]))
    )).scalars()) if articles else set()
    fresh: dict[str, Article] = {}
    for article in articles:
        if article.uid not in existing:
            fresh.setdefault(article.uid, article)
    if fresh:
        # one executemany on the Core table (the ORM's bulk path costs more per row)
        await s.execute(insert(_ENTRIES), [
            {"feed_id": feed_id, "uid": a.uid, "title": a.title, "link": a.link,
             "published": a.published, "text": a.text, "lang": a.lang,
             "content_hash": a.content_hash, "seen_at": now,
             "description": a.description} for a in fresh.values()])
    routed = {route.article_uid for route in routes if route.article_uid in fresh}
    ids: dict[str, int] = {}
    if routed:  # the ids only of entries that go to the outbox (most match nothing)
        found = await s.execute(select(EntryRow.uid, EntryRow.id).where(
            EntryRow.feed_id == feed_id, EntryRow.uid.in_(routed)))
        ids = {uid: entry_id for uid, entry_id in found}
    outbox = [{"channel_id": route.channel_id, "entry_id": ids[route.article_uid],
               "matches": [_match_value(m) for m in route.matches],
               "status": "pending", "attempts": 0, "created_at": now}
              for route in routes if route.article_uid in ids]
    if outbox:
        await s.execute(insert(_DELIVERIES), outbox)
    return len(fresh)


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
