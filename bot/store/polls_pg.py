"""PostgreSQL: the poll path's statements, plain SQL on a pooled connection in autocommit
mode: a tick's claim of due feeds (`claim_due`), the unchanged polls of a batch
(`record_unchanged`), and a poll's dedupe questions and its write (`PollWriter` with a
`connection`). Each writes in one statement, so none needs a transaction; through the ORM
and a session the claim and the unchanged record cost ≈ 0.4 ms of worker CPU per feed,
about as much as the rest of an unchanged poll (bench/scale.md).

The write is one statement: the new entries (one array per column through `unnest`, sent
in binary), their outbox rows joined to the ids that insert returned, and the feed's poll
state, in data-modifying CTEs. One statement is atomic on its own, so the poll needs no
transaction: an explicit one cost BEGIN and COMMIT round trips, and SQLAlchemy's session
and ORM update their own statement building, ≈ 1.1 of a poll's 1.6 ms fixed worker CPU
(bench/scale.md). The questions before it only read. An entry a concurrent poll stored
first is skipped (`ON CONFLICT DO NOTHING`) together with its routes, so an article is
routed at most once per channel.

Only this module speaks psycopg (imported when the store is PostgreSQL); its errors leave as
`StoreError`, as the store's other errors do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

from bot.core.models import Article, FeedState
from bot.core.routing import Route
from bot.store.base import database_error
from bot.store.polls import STATE_COLUMNS, aware, feed_state_of, matches_json

# psycopg's own placeholders: `%(name)b` sends the arrays in binary, which spares escaping
# every element in Python (text arrays cost twice as much). The CTEs run to completion
# whether or not the final SELECT reads them.
_POLLED = """
UPDATE feeds SET etag = %(etag)s, last_modified = %(last_modified)s,
       title = COALESCE(NULLIF(%(title)s, ''), title), next_poll_at = %(next_poll_at)s,
       last_polled_at = %(now)s, error_count = 0, last_error = NULL, baselined = true,
       body_hash = %(body_hash)s
WHERE id = %(feed_id)s
"""
_RECORD = f"""
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
), polled AS ({_POLLED} RETURNING 1)
SELECT (SELECT count(*) FROM fresh)
"""
# known uids and content hashes of a feed: one array parameter (one cached statement)
# instead of an IN list rendered and parsed anew for every poll
_KNOWN_UIDS = ("SELECT uid FROM entries"
               " WHERE feed_id = %(feed_id)s AND uid = ANY(CAST(%(values)b AS varchar[]))")
_KNOWN_HASHES = ("SELECT content_hash FROM entries WHERE feed_id = %(feed_id)s"
                 " AND content_hash = ANY(CAST(%(values)b AS varchar[]))")


async def known_entries(
    conn: psycopg.AsyncConnection[Any], feed_id: int, uids: Iterable[str],
    stories: Callable[[set[str]], Sequence[Article]] | None,
) -> tuple[set[str], set[str]]:
    """`PollWriter.known_entries` (see there)."""
    try:
        known = await _select(conn, _KNOWN_UIDS, feed_id, list(set(uids)))
        new = stories(known) if stories is not None else ()
        if not new:
            return known, set()
        seen = await _select(conn, _KNOWN_HASHES, feed_id,
                             list({a.content_hash for a in new if a.content_hash}))
        return known, {a.uid for a in new if a.content_hash in seen}
    except psycopg.Error as exc:
        raise database_error(exc) from exc


async def record_poll(conn: psycopg.AsyncConnection[Any], feed_id: int, *, now: datetime,
                      articles: Sequence[Article], routes: Sequence[Route],
                      etag: str | None, last_modified: str | None, title: str,
                      next_poll_at: datetime, body_hash: str | None) -> int:
    """`PollWriter.record_poll` (see there): one statement, so all of it or nothing."""
    params: dict[str, Any] = {
        "feed_id": feed_id, "now": aware(now), "etag": etag, "last_modified": last_modified,
        "title": title, "next_poll_at": aware(next_poll_at), "body_hash": body_hash}
    try:
        if not articles:
            await conn.execute(_POLLED, params)
            return 0
        fresh: dict[str, Article] = {}
        for article in articles:
            fresh.setdefault(article.uid, article)  # the first of a repeated uid
        values = list(fresh.values())
        params.update({
            "uids": [a.uid for a in values], "titles": [a.title for a in values],
            "links": [a.link for a in values],
            "published": [None if a.published is None else aware(a.published)
                          for a in values],
            "texts": [a.text for a in values], "langs": [a.lang for a in values],
            "hashes": [a.content_hash for a in values],
            "descriptions": [a.description for a in values],
            "route_channels": [r.channel_id for r in routes],
            "route_uids": [r.article_uid for r in routes],
            "route_matches": [matches_json(r.matches) for r in routes],
        })
        cursor = await conn.execute(_RECORD, params)
        row = await cursor.fetchone()
    except psycopg.Error as exc:
        raise database_error(exc) from exc
    return int(row[0]) if row is not None else 0


async def _select(conn: psycopg.AsyncConnection[Any], query: str, feed_id: int,
                  values: list[str]) -> set[str]:
    if not values:
        return set()
    cursor = await conn.execute(query, {"feed_id": feed_id, "values": values})
    return {value for (value,) in await cursor.fetchall()}


# Due feeds, then paused feeds whose probe is due, each oldest first, locked (other workers
# skip them) and leased: their next poll pushed to the lease's end. The CTEs read the rows
# as they were, so the values returned are the claimed ones (`release_feeds` puts
# `next_poll_at` back); `n` keeps the order, which RETURNING does not promise.
_CLAIM = f"""
WITH due AS (
    SELECT id, 0 AS part, row_number() OVER (ORDER BY next_poll_at) AS n FROM (
        SELECT id, next_poll_at FROM feeds
        WHERE disabled_reason IS NULL
          AND (%(force)s OR next_poll_at IS NULL OR next_poll_at <= %(now)s)
        ORDER BY next_poll_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) AS d
), paused AS (
    SELECT id, 1 AS part, row_number() OVER (ORDER BY next_poll_at) AS n FROM (
        SELECT id, next_poll_at FROM feeds
        WHERE disabled_reason IS NOT NULL AND next_poll_at IS NOT NULL
          AND next_poll_at <= %(now)s
        ORDER BY next_poll_at LIMIT %(paused_limit)s FOR UPDATE SKIP LOCKED) AS p
), claimed AS (
    SELECT * FROM due UNION ALL SELECT * FROM paused
), before AS (
    SELECT c.part, c.n, {", ".join(f"f.{c}" for c in STATE_COLUMNS)}
    FROM feeds f JOIN claimed c ON c.id = f.id
), leased AS (
    UPDATE feeds SET next_poll_at = %(until)s, lease_owner = %(owner)s,
                     lease_until = %(until)s
    WHERE id IN (SELECT id FROM claimed)
)
SELECT {", ".join(STATE_COLUMNS)} FROM before ORDER BY part, n
"""
_UNCHANGED = """
UPDATE feeds SET next_poll_at = u.next_poll_at, last_polled_at = u.now, error_count = 0,
       last_error = NULL,
       etag = CASE WHEN u.validated THEN u.etag ELSE feeds.etag END,
       last_modified = CASE WHEN u.validated THEN u.last_modified
                            ELSE feeds.last_modified END
FROM unnest(CAST(%(ids)b AS integer[]), CAST(%(next)b AS timestamptz[]),
            CAST(%(now)b AS timestamptz[]), CAST(%(validated)b AS boolean[]),
            CAST(%(etags)b AS varchar[]), CAST(%(modified)b AS varchar[]))
     AS u(id, next_poll_at, now, validated, etag, last_modified)
WHERE feeds.id = u.id
"""


async def claim_due(conn: psycopg.AsyncConnection[Any], *, now: datetime, force: bool,
                    limit: int, paused_limit: int, owner: str, until: datetime
                    ) -> list[FeedState]:
    """`FeedQueries.claim_due` with an owner (see there), in one statement."""
    try:
        cursor = await conn.execute(_CLAIM, {
            "now": aware(now), "force": force, "limit": limit, "paused_limit": paused_limit,
            "owner": owner[:100], "until": aware(until)})
        rows = await cursor.fetchall()
    except psycopg.Error as exc:
        raise database_error(exc) from exc
    return [feed_state_of(row, read_time=_utc) for row in rows]


async def record_unchanged(conn: psycopg.AsyncConnection[Any], polls: Sequence[Any]) -> None:
    """`FeedQueries.record_unchanged` (see there), in one statement: a feed's validators
    change only with the poll that brought new ones."""
    if not polls:
        return
    try:
        await conn.execute(_UNCHANGED, {
            "ids": [p.feed_id for p in polls],
            "next": [aware(p.next_poll_at) for p in polls],
            "now": [aware(p.now) for p in polls],
            "validated": [p.validators is not None for p in polls],
            "etags": [p.validators[0] if p.validators else None for p in polls],
            "modified": [p.validators[1] if p.validators else None for p in polls]})
    except psycopg.Error as exc:
        raise database_error(exc) from exc


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)
