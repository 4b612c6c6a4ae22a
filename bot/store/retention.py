"""Entry retention, mixed into `SqlStore`: stored entries (and, by cascade, their outbox
rows) are forgotten once old, so the database of a bot that runs for years stays the size of
its retention window instead of growing with every poll.

An entry is a feed's memory of what it already delivered: forgetting one that the feed still
lists would deliver it again. So the newest `keep_per_feed` entries of every feed stay
whatever their age (a feed lists far fewer items than that), and only older ones go.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, text

from bot.store.base import StoreBase
from bot.store.schema import EntryRow

# any constant: one PostgreSQL worker prunes at a time, the others skip their turn
_PRUNE_LOCK_ID = 0x6E657775


class RetentionQueries(StoreBase):
    """Mixin for `SqlStore`: forgetting old entries."""

    async def prune_entries(self, *, before: datetime, keep_per_feed: int, limit: int) -> int:
        """Delete up to `limit` entries first seen before `before` that are not among the
        newest `keep_per_feed` of their feed, with their outbox rows; returns how many. 0
        when another worker is pruning right now (PostgreSQL)."""
        async with self._tx() as s:
            if self.dialect == "postgresql":
                locked = (await s.execute(text("SELECT pg_try_advisory_xact_lock(:id)"),
                                          {"id": _PRUNE_LOCK_ID})).scalar_one()
                if not locked:
                    return 0
            ranked = select(
                EntryRow.id, EntryRow.seen_at,
                func.row_number().over(partition_by=EntryRow.feed_id,
                                       order_by=EntryRow.id.desc()).label("newer"),
            ).subquery()
            doomed = (select(ranked.c.id)
                      .where(ranked.c.newer > keep_per_feed, ranked.c.seen_at < before)
                      .limit(limit))
            result = await s.execute(delete(EntryRow).where(EntryRow.id.in_(doomed)))
            return int(result.rowcount)  # type: ignore[attr-defined]
