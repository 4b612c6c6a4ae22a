"""Store queries behind the admin commands and the audit log; mixed into `SqlStore`.

Kept apart from the polling and delivery queries (feeds.py, outbox.py); the methods use
the same short transactions (`_tx`) and return values, never rows.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import AuditEntry, AuditOutcome, FeedState
from bot.store.schema import AuditRow, FeedMoveRow, FeedRow, SubscriptionRow, WatchlistRow

MAX_AUDIT_ROWS = 1000  # one query never reads more


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """A feed as `/news feed status` shows it."""

    feed: FeedState
    last_polled_at: datetime | None
    last_error: str | None
    created_at: datetime


_OUTCOMES: dict[str, AuditOutcome] = {"ok": "ok", "refused": "refused", "error": "error"}


def _audit(row: AuditRow) -> AuditEntry:
    return AuditEntry(id=row.id, at=row.at, platform=row.platform, channel=row.channel,
                      user_id=row.user_id, action=row.action, target=row.target,
                      detail=row.detail, outcome=_OUTCOMES.get(row.outcome, "error"))


class AdminQueries:
    """Mixin: needs the host's `_tx()` (a session inside one transaction)."""

    def _tx(self) -> AbstractAsyncContextManager[AsyncSession]:
        raise NotImplementedError

    # --- audit -------------------------------------------------------------------------------

    async def add_audit(self, entry: AuditEntry) -> None:
        async with self._tx() as s:
            s.add(AuditRow(at=entry.at, platform=entry.platform[:20],
                           channel=entry.channel[:100], user_id=entry.user_id[:100],
                           action=entry.action[:40], target=entry.target[:2048],
                           detail=entry.detail[:2000], outcome=entry.outcome))

    async def list_audit(self, *, limit: int = 50, since: datetime | None = None,
                         target: str | None = None) -> list[AuditEntry]:
        """Newest first; `target` selects the entries about one thing ("watchlist:tech")."""
        query = select(AuditRow)
        if since is not None:
            query = query.where(AuditRow.at >= since)
        if target is not None:
            query = query.where(AuditRow.target == target)
        query = query.order_by(AuditRow.at.desc(), AuditRow.id.desc())
        async with self._tx() as s:
            rows = (await s.execute(query.limit(min(limit, MAX_AUDIT_ROWS)))).scalars()
            return [_audit(r) for r in rows]

    # --- watchlists ----------------------------------------------------------------------------

    async def delete_watchlist(self, name: str) -> bool:
        async with self._tx() as s:
            result = await s.execute(delete(WatchlistRow).where(WatchlistRow.name == name))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count_subscribers(self, target: str) -> int:
        """How many channels subscribe to `target` ("watchlist:tech", "SNOW")."""
        async with self._tx() as s:
            query = select(func.count()).select_from(SubscriptionRow).where(
                SubscriptionRow.target == target)
            return int((await s.execute(query)).scalar_one())

    # --- feeds --------------------------------------------------------------------------------

    async def add_feed(self, url: str, *, interval_s: int, title: str, now: datetime) -> bool:
        """Insert a new feed, due at once; False (nothing changed) when the URL is known."""
        async with self._tx() as s:
            known = (await s.execute(select(FeedRow.id).where(FeedRow.url == url))).first()
            moved = (await s.execute(select(FeedMoveRow.id)
                                     .where(FeedMoveRow.old_url == url))).first()
            if known is not None or moved is not None:  # moved: the feed lives on elsewhere
                return False
            s.add(FeedRow(url=url, interval_s=interval_s, created_at=now, next_poll_at=now,
                          title=title[:500], error_count=0, baselined=False))
            return True

    async def feed_health(self, url: str | None = None) -> list[FeedHealth]:
        """One feed (by URL) or every feed, in the order they were added."""
        query = select(FeedRow).order_by(FeedRow.id)
        if url is not None:
            query = query.where(FeedRow.url == url)
        async with self._tx() as s:
            rows = (await s.execute(query)).scalars()
            return [FeedHealth(
                feed=FeedState(id=r.id, url=r.url, interval_s=r.interval_s, etag=r.etag,
                               last_modified=r.last_modified, next_poll_at=r.next_poll_at,
                               error_count=r.error_count, disabled_reason=r.disabled_reason,
                               title=r.title, baselined=r.baselined),
                last_polled_at=r.last_polled_at, last_error=r.last_error,
                created_at=r.created_at) for r in rows]

    async def set_feed_interval(self, url: str, *, interval_s: int) -> bool:
        async with self._tx() as s:
            result = await s.execute(update(FeedRow).where(FeedRow.url == url)
                                     .values(interval_s=interval_s))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def enable_feed(self, url: str, *, now: datetime) -> bool:
        """Clear a disabled feed's reason and error count; it is due at once."""
        async with self._tx() as s:
            result = await s.execute(update(FeedRow).where(FeedRow.url == url).values(
                disabled_reason=None, error_count=0, last_error=None, next_poll_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]
