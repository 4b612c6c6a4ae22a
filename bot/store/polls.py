"""The write of a poll's new entries and their outbox rows (`FeedQueries.record_poll`), the
hot path of a poll with new entries.

On PostgreSQL it is one statement: the entries arrive as one array per column (`unnest`),
are inserted with `ON CONFLICT DO NOTHING` (an entry a concurrent poll stored first is
skipped) and the outbox rows are joined to the ids that insert returned, in the same
statement. The portable form (SQLite) selects the known ids, inserts the rest with an
executemany, selects the ids of the routed entries and inserts their outbox rows. Both keep an
article's routes only when this poll stored it, so it is routed at most once per channel.
With the dedupe queries below, a new entry's storage CPU fell from ≈ 130 to ≈ 55 µs
(bench/scale.md): psycopg no longer dumps and sends every row as its own pipelined
statement, nor parses an IN list rendered anew for every poll.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import Article, Match
from bot.core.routing import Route
from bot.store.schema import DeliveryRow, EntryRow, FeedRow

_ENTRIES = cast(Table, EntryRow.__table__)
_DELIVERIES = cast(Table, DeliveryRow.__table__)

# psycopg's own placeholders (run with exec_driver_sql): `%(name)b` sends the arrays in
# binary, which spares escaping every element in Python (text arrays cost twice as much).
# Both counts come back as one row; the CTEs run to completion whether or not they are read.
_INSERT_PG = """
WITH fresh AS (
    INSERT INTO entries (feed_id, uid, title, link, published, text, lang, content_hash,
                         seen_at, description)
    SELECT %(feed_id)s, e.uid, e.title, e.link, e.published, e.text, e.lang, e.content_hash,
           %(now)s, e.description
    FROM unnest(CAST(%(uids)b AS varchar[]), CAST(%(titles)b AS text[]),
                CAST(%(links)b AS varchar[]), CAST(%(published)b AS timestamptz[]),
                CAST(%(texts)b AS text[]),
                CAST(%(langs)b AS varchar[]), CAST(%(hashes)b AS varchar[]),
                CAST(%(descriptions)b AS text[]))
         AS e(uid, title, link, published, text, lang, content_hash, description)
    ON CONFLICT ON CONSTRAINT uq_entries_feed_uid DO NOTHING
    RETURNING id, uid
), routed AS (
    INSERT INTO deliveries (channel_id, entry_id, matches, status, attempts, created_at)
    SELECT r.channel_id, fresh.id, CAST(r.matches AS json), 'pending', 0, %(now)s
    FROM unnest(CAST(%(route_channels)b AS integer[]), CAST(%(route_uids)b AS varchar[]),
                CAST(%(route_matches)b AS text[])) WITH ORDINALITY
         AS r(channel_id, uid, matches, n)
    JOIN fresh ON fresh.uid = r.uid
    ORDER BY r.n
    RETURNING 1
)
SELECT (SELECT count(*) FROM fresh), (SELECT count(*) FROM routed)
"""


class PollWriter:
    """What a poll asks and writes for one feed (`FeedQueries.poll_writer`): in the shared
    `session` (one transaction for the whole poll) or each call in a `transaction` of its
    own."""

    def __init__(self, *, feed_id: int, dialect: str, session: AsyncSession | None = None,
                 transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]]
                 | None = None) -> None:
        if (session is None) == (transaction is None):
            raise ValueError("a PollWriter needs a session or a transaction factory")
        self.feed_id = feed_id
        self._dialect = dialect
        self._session = session
        self._transaction = transaction

    @asynccontextmanager
    async def _use(self) -> AsyncIterator[AsyncSession]:
        if self._session is not None:
            yield self._session
            return
        assert self._transaction is not None
        async with self._transaction() as s:
            yield s

    async def known_entries(
        self, uids: Iterable[str], *,
        stories: Callable[[set[str]], Sequence[Article]] | None = None,
    ) -> tuple[set[str], set[str]]:
        """A poll's dedupe (one transaction, not one per question): the `uids` this feed
        has and, with `stories`, those of the rest whose content it has under another id.
        `stories` gets the known uids and returns the rest as articles: the caller
        normalizes only entries not known (their content hash needs the plain text),
        meanwhile the transaction waits."""
        async with self._use() as s:
            known = await known_uids(s, self._dialect, self.feed_id, list(set(uids)))
            new = stories(known) if stories is not None else ()
            repeated = (await known_stories(s, self._dialect, self.feed_id, new)
                        if new else set())
            return known, repeated

    async def record_poll(self, *, now: datetime, articles: Sequence[Article],
                          routes: Sequence[Route], etag: str | None, last_modified: str | None,
                          title: str, next_poll_at: datetime, body_hash: str | None = None
                          ) -> int:
        """Store new entries and their outbox rows together with the poll's outcome;
        returns the entries added. Entries already present (a concurrent poll) are skipped
        together with their routes, so an article is routed at most once per channel."""
        async with self._use() as s:
            insert_rows = insert_poll_pg if self._dialect == "postgresql" else insert_poll
            added = await insert_rows(s, self.feed_id, now=now, articles=articles,
                                      routes=routes)
            await s.execute(update(FeedRow).where(FeedRow.id == self.feed_id).values(
                etag=etag, last_modified=last_modified, title=title or FeedRow.title,
                next_poll_at=next_poll_at, last_polled_at=now, error_count=0,
                last_error=None, baselined=True, body_hash=body_hash,
            ))
            return added


async def known_uids(s: AsyncSession, dialect: str, feed_id: int, wanted: list[str]
                     ) -> set[str]:
    if dialect == "postgresql":
        return await select_known_pg(s, KNOWN_UIDS_PG, feed_id, wanted)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):  # stay below SQLite's variable limit
        rows = await s.execute(select(EntryRow.uid).where(
            EntryRow.feed_id == feed_id, EntryRow.uid.in_(wanted[start:start + 500])))
        found.update(rows.scalars())
    return found


async def known_stories(s: AsyncSession, dialect: str, feed_id: int,
                        articles: Sequence[Article]) -> set[str]:
    hashes = list({a.content_hash for a in articles if a.content_hash})
    seen: set[str] = set()
    if dialect == "postgresql":
        seen = await select_known_pg(s, KNOWN_HASHES_PG, feed_id, hashes)
    else:
        for start in range(0, len(hashes), 500):
            rows = await s.execute(select(EntryRow.content_hash).where(
                EntryRow.feed_id == feed_id,
                EntryRow.content_hash.in_(hashes[start:start + 500])))
            seen.update(rows.scalars())
    return {a.uid for a in articles if a.content_hash in seen}


# known uids and content hashes of a feed: one array parameter (no chunks, one cached
# statement) instead of an IN list rendered and parsed anew for every poll
KNOWN_UIDS_PG = ("SELECT uid FROM entries"
                 " WHERE feed_id = %(feed_id)s AND uid = ANY(CAST(%(values)b AS varchar[]))")
KNOWN_HASHES_PG = ("SELECT content_hash FROM entries WHERE feed_id = %(feed_id)s"
                   " AND content_hash = ANY(CAST(%(values)b AS varchar[]))")


async def select_known_pg(s: AsyncSession, query: str, feed_id: int, values: list[str]
                          ) -> set[str]:
    """PostgreSQL: which of `values` this feed has, by `KNOWN_UIDS_PG` or `KNOWN_HASHES_PG`."""
    if not values:
        return set()
    conn = await s.connection()
    rows = await conn.exec_driver_sql(query, {"feed_id": feed_id, "values": values})
    return {value for (value,) in rows}


async def insert_poll_pg(s: AsyncSession, feed_id: int, *, now: datetime,
                         articles: Sequence[Article], routes: Sequence[Route]) -> int:
    """PostgreSQL: the entries not stored yet and their outbox rows in one statement;
    returns the entries added."""
    if not articles:
        return 0
    fresh: dict[str, Article] = {}
    for article in articles:
        fresh.setdefault(article.uid, article)  # the first of a repeated uid, as below
    values = list(fresh.values())
    conn = await s.connection()
    row = (await conn.exec_driver_sql(_INSERT_PG, {
        "feed_id": feed_id, "now": _aware(now),
        "uids": [a.uid for a in values], "titles": [a.title for a in values],
        "links": [a.link for a in values],
        "published": [None if a.published is None else _aware(a.published) for a in values],
        "texts": [a.text for a in values], "langs": [a.lang for a in values],
        "hashes": [a.content_hash for a in values],
        "descriptions": [a.description for a in values],
        "route_channels": [r.channel_id for r in routes],
        "route_uids": [r.article_uid for r in routes],
        "route_matches": [_matches_json(r.matches) for r in routes],
    })).one()
    return int(row[0])


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


def _aware(value: datetime) -> datetime:
    """What `UtcDateTime` checks at its boundary, for the values that bypass it."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return value


def _matches_json(matches: Sequence[Match]) -> str:
    # the JSON column's own serialisation (json.dumps), so stored rows read back the same
    return json.dumps([_match_value(m) for m in matches])


_MATCH_FIELDS = tuple(f.name for f in fields(Match))


def _match_value(match: Match) -> dict[str, Any]:
    """`asdict` without its deep copies (the fields are plain values): a hot path."""
    return {name: getattr(match, name) for name in _MATCH_FIELDS}
