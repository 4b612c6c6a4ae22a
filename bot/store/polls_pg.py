"""PostgreSQL: a poll's dedupe questions and its write as plain statements on one pooled
connection in autocommit mode (`PollWriter` with a `connection`).

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
from datetime import datetime
from typing import Any

import psycopg

from bot.core.models import Article
from bot.core.routing import Route
from bot.errors import StoreError
from bot.store.polls import aware, matches_json

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
        raise _wrapped(exc) from exc


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
        raise _wrapped(exc) from exc
    return int(row[0]) if row is not None else 0


async def _select(conn: psycopg.AsyncConnection[Any], query: str, feed_id: int,
                  values: list[str]) -> set[str]:
    if not values:
        return set()
    cursor = await conn.execute(query, {"feed_id": feed_id, "values": values})
    return {value for (value,) in await cursor.fetchall()}


def _wrapped(exc: psycopg.Error) -> StoreError:
    # a feed removed while it was polled (a foreign key) is as transient as a lost
    # connection: the poll is not recorded and the feed, if it is still there, comes again
    return StoreError(f"database error: {type(exc).__name__}: {exc}")
