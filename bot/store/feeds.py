"""Feed queries, mixed into `SqlStore`: the feed list, due feeds and their claims, polls
recorded with their outbox rows in one transaction, and the health state (failures, pauses).

A disabled feed with a next poll time is *paused* (after repeated failures) and probed at that
time; without one it is stopped for good (410 Gone) and never polled again.

A feed that moved (permanent redirects, `bot.core.redirects`) keeps its former URLs in
`feed_moves`: the config file may still name one, and must find the moved feed.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import Article, Channel, FeedState
from bot.core.routing import Route
from bot.store.base import StoreBase, channel_value, feed_state
from bot.store.polls import PollWriter
from bot.store.schema import AuditRow, ChannelRow, DeliveryRow, EntryRow, FeedMoveRow, FeedRow

FEED_LEASE_S = 300.0  # longer than any poll: a fetch's total deadline plus the write

MoveOutcome = Literal["moved", "duplicate", "missing"]


@dataclass(frozen=True, slots=True)
class UnchangedPoll:
    """A poll that found nothing new (304 or the same body), for `record_unchanged`;
    `validators` are a 200's new (etag, last_modified)."""

    feed_id: int
    now: datetime
    next_poll_at: datetime
    validators: tuple[str | None, str | None] | None = None


class FeedQueries(StoreBase):
    """Mixin for `SqlStore`: feeds, their polls and their health."""

    async def upsert_feed(self, url: str, *, interval_s: int, now: datetime) -> FeedState:
        async with self._tx() as s:
            row = await _feed_by_url(s, url)
            if row is None:
                row = FeedRow(url=url, interval_s=interval_s, created_at=now, next_poll_at=now,
                              title="", error_count=0, baselined=False)
                s.add(row)
            else:
                row.interval_s = interval_s
            await s.flush()
            return feed_state(row)

    async def remove_feed(self, url: str) -> bool:
        async with self._tx() as s:
            result = await s.execute(delete(FeedRow).where(FeedRow.url == url))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_feeds(self) -> list[FeedState]:
        async with self._tx() as s:
            rows = (await s.execute(select(FeedRow).order_by(FeedRow.id))).scalars()
            return [feed_state(r) for r in rows]

    async def due_feeds(self, now: datetime, *, force: bool = False, limit: int = 500,
                        owner: str | None = None, lease_s: float = FEED_LEASE_S
                        ) -> list[FeedState]:
        """Enabled feeds whose poll is due (all of them with `force`). With `owner`, they are
        claimed: see `_claim_feeds`."""
        return await self.claim_due(now, force=force, limit=limit, paused_limit=0,
                                    owner=owner, lease_s=lease_s)

    async def due_paused_feeds(self, now: datetime, *, limit: int = 100,
                               owner: str | None = None, lease_s: float = FEED_LEASE_S
                               ) -> list[FeedState]:
        """Paused feeds whose probe is due (claimed with `owner`, as in `due_feeds`)."""
        return await self.claim_due(now, limit=0, paused_limit=limit, owner=owner,
                                    lease_s=lease_s)

    async def claim_due(self, now: datetime, *, force: bool = False, limit: int,
                        paused_limit: int, owner: str | None = None,
                        lease_s: float = FEED_LEASE_S) -> list[FeedState]:
        """`due_feeds` (up to `limit`) followed by `due_paused_feeds` (up to `paused_limit`)
        in one transaction: a poll tick's one round of claims, as cheap as one when nothing
        is due (bench/scale.md)."""
        if owner is not None:  # a tick's claim: the poll path's own statement(s)
            async with self._autocommit() as conn:
                claimed: list[FeedState] = await self._poll_statements().claim_due(
                    conn, now=now, force=force, limit=limit, paused_limit=paused_limit,
                    owner=owner, until=now + timedelta(seconds=lease_s))
                return claimed
        queries = []
        if limit > 0:
            query = select(FeedRow).where(FeedRow.disabled_reason.is_(None))
            if not force:
                query = query.where(FeedRow.next_poll_at.is_(None)
                                    | (FeedRow.next_poll_at <= now))
            queries.append(query.order_by(FeedRow.next_poll_at).limit(limit))
        if paused_limit > 0:
            queries.append(select(FeedRow).where(
                FeedRow.disabled_reason.is_not(None), FeedRow.next_poll_at.is_not(None),
                FeedRow.next_poll_at <= now,
            ).order_by(FeedRow.next_poll_at).limit(paused_limit))
        return await self._claim_feeds(queries, now=now, owner=owner, lease_s=lease_s)

    async def _claim_feeds(self, queries: Sequence[Any], *, now: datetime, owner: str | None,
                           lease_s: float) -> list[FeedState]:
        """Rows of `queries`; with `owner`, locked (other workers skip them: SKIP LOCKED on
        PostgreSQL; SQLite has one writer anyway) and their next poll pushed `lease_s` ahead.
        The poll's outcome then sets the real next poll; if the worker dies first, the feed
        is simply due again when the lease runs out: nothing to clean up."""
        if not queries:
            return []
        async with self._tx() as s:
            rows: list[FeedRow] = []
            for query in queries:
                if owner is not None:
                    query = query.with_for_update(skip_locked=True)
                rows += (await s.execute(query)).scalars()
            # as claimed: `next_poll_at` is when each fell due (`release_feeds` puts it back)
            states = [feed_state(r) for r in rows]
            if owner is not None and rows:
                until = now + timedelta(seconds=lease_s)
                await s.execute(update(FeedRow).where(FeedRow.id.in_([r.id for r in rows]))
                                .values(next_poll_at=until, lease_owner=owner[:100],
                                        lease_until=until))
            return states

    async def release_feeds(self, feeds: Sequence[FeedState], *, owner: str) -> None:
        """Give back claims this worker will not poll now (as `due_feeds` returned them): each
        feed is due again when it was due before, keeping its place in the queue, for any
        worker. Claims that are no longer this worker's are left alone."""
        if not feeds:
            return
        async with self._tx() as s:
            for feed in feeds:
                await s.execute(update(FeedRow).where(
                    FeedRow.id == feed.id, FeedRow.lease_owner == owner[:100],
                ).values(next_poll_at=feed.next_poll_at, lease_owner=None, lease_until=None))

    async def known_uids(self, feed_id: int, uids: Iterable[str]) -> set[str]:
        return (await self.known_entries(feed_id, uids))[0]

    async def known_stories(self, feed_id: int, articles: Sequence[Article]) -> set[str]:
        """The uids of `articles` whose content this feed already has under another uid."""
        return (await self.known_entries(feed_id, (), stories=lambda _known: articles))[1]

    async def known_entries(
        self, feed_id: int, uids: Iterable[str], *,
        stories: Callable[[set[str]], Sequence[Article]] | None = None,
    ) -> tuple[set[str], set[str]]:
        """`PollWriter.known_entries` on a writer of its own."""
        async with self.poll_writer(feed_id) as writer:
            return await writer.known_entries(uids, stories=stories)

    async def record_poll(
        self,
        feed_id: int,
        *,
        now: datetime,
        articles: Sequence[Article],
        routes: Sequence[Route],
        etag: str | None,
        last_modified: str | None,
        title: str,
        next_poll_at: datetime,
        body_hash: str | None = None,
    ) -> int:
        """`PollWriter.record_poll` on a writer of its own."""
        async with self.poll_writer(feed_id) as writer:
            return await writer.record_poll(
                now=now, articles=articles, routes=routes, etag=etag,
                last_modified=last_modified, title=title, next_poll_at=next_poll_at,
                body_hash=body_hash)

    def _poll_statements(self) -> Any:
        """The module of the poll path's own statements for this database (psycopg is
        imported only where it is used)."""
        if self.dialect == "postgresql":
            from bot.store import polls_pg

            return polls_pg
        from bot.store import polls_sqlite

        return polls_sqlite

    @asynccontextmanager
    async def poll_writer(self, feed_id: int) -> AsyncIterator[PollWriter]:
        """A poll's dedupe questions and its write. PostgreSQL: statements on one pooled
        connection held for the poll, in autocommit mode (the write is one statement, see
        bot/store/polls_pg.py). SQLite: each call on a pooled connection in the process's
        turn (bot/store/polls_sqlite.py), which the poll does not hold while it normalizes
        and routes; 16 polls holding a connection each would also exhaust the pool."""
        statements = self._poll_statements()
        if self.dialect != "postgresql":
            yield PollWriter(feed_id=feed_id, statements=statements, connect=self._autocommit)
            return
        async with self._autocommit() as connection:
            yield PollWriter(feed_id=feed_id, statements=statements,
                             connect=lambda: contextlib.nullcontext(connection))

    async def record_not_modified(self, feed_id: int, *, now: datetime, next_poll_at: datetime,
                                  validators: tuple[str | None, str | None] | None = None
                                  ) -> None:
        """A poll that found nothing new (304, or the same body again); `validators` are a
        200's new (etag, last_modified), kept for the next conditional request."""
        await self.record_unchanged([UnchangedPoll(feed_id, now, next_poll_at, validators)])

    async def record_unchanged(self, polls: Sequence[UnchangedPoll]) -> None:
        """`record_not_modified` for many feeds in one transaction: one executemany per
        shape instead of a transaction per feed, which cost more than the rest of an
        unchanged poll (bench/pipeline.py). A feed removed meanwhile is simply not updated."""
        if not polls:
            return
        async with self._autocommit() as conn:
            await self._poll_statements().record_unchanged(conn, polls)

    async def record_feed_failure(
        self, feed_id: int, *, now: datetime, error: str, next_poll_at: datetime | None,
        disable: str | None = None,
    ) -> bool:
        """Count a failed poll and set the next poll (None: never again). With `disable`, the
        feed is disabled for that reason. True only when this call disabled a feed that was
        enabled: the transition channels are told about, exactly once however many workers
        race (the conditional UPDATE lets one of them win)."""
        async with self._tx() as s:
            await s.execute(update(FeedRow).where(FeedRow.id == feed_id).values(
                error_count=FeedRow.error_count + 1, last_error=error[:500], last_polled_at=now,
                next_poll_at=next_poll_at))
            if disable is None:
                return False
            reason = disable[:500]
            won = await s.execute(update(FeedRow).where(
                FeedRow.id == feed_id, FeedRow.disabled_reason.is_(None),
            ).values(disabled_reason=reason))
            if won.rowcount:  # type: ignore[attr-defined]
                return True
            await s.execute(update(FeedRow).where(FeedRow.id == feed_id)
                            .values(disabled_reason=reason))  # e.g. paused → gone
            return False

    async def reenable_feed(self, feed_id: int) -> bool:
        """Enable a paused feed whose probe worked; True when this call did (the recovery to
        announce, once)."""
        async with self._tx() as s:
            result = await s.execute(update(FeedRow).where(
                FeedRow.id == feed_id, FeedRow.disabled_reason.is_not(None),
            ).values(disabled_reason=None))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def channels_fed_by(self, feed_id: int, *, since: datetime) -> list[Channel]:
        """Channels that were routed a story of this feed (sent or still queued) since
        `since`: the audience of the feed's health notices."""
        fed = (select(DeliveryRow.channel_id)
               .join(EntryRow, EntryRow.id == DeliveryRow.entry_id)
               .where(EntryRow.feed_id == feed_id, DeliveryRow.created_at >= since))
        async with self._tx() as s:
            rows = (await s.execute(select(ChannelRow).where(ChannelRow.id.in_(fed))
                                    .order_by(ChannelRow.id))).scalars().all()
            return [await channel_value(s, r) for r in rows]

    # --- permanent redirects (bot.core.redirects) -------------------------------------------

    async def note_redirect(self, feed_id: int, *, url: str | None, polls: int) -> None:
        """Remember the permanent redirect seen on the last `polls` good polls (None: none)."""
        async with self._tx() as s:
            await s.execute(update(FeedRow).where(FeedRow.id == feed_id)
                            .values(redirect_url=url, redirect_polls=polls))

    async def move_feed(self, feed_id: int, new_url: str, *, now: datetime, polls: int
                        ) -> MoveOutcome:
        """Give the feed its new URL, keep the old one as an alias, and write it to the audit
        log, in one transaction. When another feed already has `new_url`, this one is
        disabled instead ("duplicate"): both would carry the same stories twice. Its entries
        and queued deliveries stay; an admin can remove it."""
        for attempt in (1, 2):
            try:
                async with self._tx() as s:
                    return await _move(s, feed_id, new_url, now=now, polls=polls)
            except IntegrityError:  # the URL was added meanwhile: now it is a duplicate
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


async def _feed_by_url(s: AsyncSession, url: str) -> FeedRow | None:
    """The feed with this URL, or the one that moved away from it."""
    row = (await s.execute(select(FeedRow).where(FeedRow.url == url))).scalar_one_or_none()
    if row is not None:
        return row
    moved = (await s.execute(select(FeedMoveRow.feed_id).where(FeedMoveRow.old_url == url))
             ).scalar_one_or_none()
    return None if moved is None else await s.get(FeedRow, moved)


async def _move(s: AsyncSession, feed_id: int, new_url: str, *, now: datetime, polls: int
                ) -> MoveOutcome:
    row = await s.get(FeedRow, feed_id)
    if row is None:
        return "missing"  # removed while it was polled
    old_url = row.url
    row.redirect_url, row.redirect_polls = None, 0
    other = (await s.execute(select(FeedRow.id).where(FeedRow.url == new_url))).scalar()
    why = f"HTTP 301/308 on {polls} polls in a row"
    if other is not None:
        row.disabled_reason = f"moved to {new_url} ({why}), already polled as feed #{other}"[:500]
        row.next_poll_at = None  # stopped, not paused: never probed again
        outcome: MoveOutcome = "duplicate"
        detail = f"moved to {new_url}, already polled as feed #{other}: this feed is disabled"
    else:
        # an alias for the new URL would shadow nothing now; the old one joins them
        await s.execute(delete(FeedMoveRow).where(FeedMoveRow.old_url.in_([old_url, new_url])))
        row.url = new_url
        s.add(FeedMoveRow(old_url=old_url, feed_id=feed_id, moved_at=now))
        outcome, detail = "moved", f"now {new_url} ({why})"
    s.add(AuditRow(at=now, platform="newsbot", channel="poller", user_id="-",
                   action="feed.move", target=old_url, detail=detail[:2000], outcome="ok"))
    await s.flush()
    return outcome
