"""Outbox queries, mixed into `SqlStore`: pending deliveries claimed with a lease, marked
sent or released; and the stored entries read back (on-demand summaries, `why`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from bot.core.models import Article, Match, PendingItem
from bot.store.base import StoreBase, article_value
from bot.store.schema import ChannelRow, DeliveryRow, EntryRow, FeedRow


class OutboxQueries(StoreBase):
    """Mixin for `SqlStore`: the outbox and the stored entries."""

    async def channels_with_pending(self) -> list[int]:
        async with self._tx() as s:
            rows = await s.execute(select(DeliveryRow.channel_id)
                                   .where(DeliveryRow.status == "pending").distinct())
            return sorted(rows.scalars())

    async def claim_deliveries(self, channel_id: int, *, owner: str, now: datetime,
                               lease_s: float = 120.0, limit: int = 200) -> list[PendingItem]:
        """Lease this channel's pending rows (free or with an expired lease) to `owner`."""
        async with self._tx() as s:
            free = (DeliveryRow.lease_until.is_(None)) | (DeliveryRow.lease_until < now)
            # SKIP LOCKED: two workers claiming at once get disjoint rows (PostgreSQL)
            ids = (await s.execute(
                select(DeliveryRow.id)
                .where(DeliveryRow.channel_id == channel_id, DeliveryRow.status == "pending", free)
                .order_by(DeliveryRow.id).limit(limit).with_for_update(skip_locked=True)
            )).scalars().all()
            if not ids:
                return []
            await s.execute(update(DeliveryRow).where(DeliveryRow.id.in_(ids)).values(
                lease_owner=owner, lease_until=now + timedelta(seconds=lease_s)))
            rows = (await s.execute(
                select(DeliveryRow, EntryRow, FeedRow.title)
                .join(EntryRow, EntryRow.id == DeliveryRow.entry_id)
                .join(FeedRow, FeedRow.id == EntryRow.feed_id)
                .where(DeliveryRow.id.in_(ids)).order_by(DeliveryRow.id)
            )).all()
            return [
                PendingItem(delivery_id=d.id, article=article_value(e, title),
                            matches=tuple(Match(**m) for m in d.matches), created_at=d.created_at)
                for d, e, title in rows
            ]

    async def renew_deliveries(self, delivery_ids: Sequence[int], *, owner: str,
                               until: datetime) -> int:
        """Extend `owner`'s lease on these rows while it is still sending them; returns how
        many it still held (a lease that ran out and was claimed by another is not taken
        back)."""
        async with self._tx() as s:
            result = await s.execute(update(DeliveryRow).where(
                DeliveryRow.id.in_(delivery_ids), DeliveryRow.lease_owner == owner,
                DeliveryRow.status == "pending",
            ).values(lease_until=until))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def mark_sent(self, delivery_ids: Sequence[int], *, now: datetime) -> None:
        async with self._tx() as s:
            await s.execute(update(DeliveryRow).where(DeliveryRow.id.in_(delivery_ids)).values(
                status="sent", sent_at=now, lease_owner=None, lease_until=None,
                attempts=DeliveryRow.attempts + 1))

    async def release(self, delivery_ids: Sequence[int], *, error: str,
                      retry_at: datetime | None = None) -> None:
        """Give rows back after a failed send; they stay pending (retry_at → leased till then)."""
        async with self._tx() as s:
            await s.execute(update(DeliveryRow).where(DeliveryRow.id.in_(delivery_ids)).values(
                attempts=DeliveryRow.attempts + 1, last_error=error[:500],
                lease_owner=None if retry_at is None else "backoff", lease_until=retry_at))

    async def set_last_digest(self, channel_id: int, *, now: datetime) -> None:
        async with self._tx() as s:
            await s.execute(update(ChannelRow).where(ChannelRow.id == channel_id)
                            .values(last_digest_at=now))

    async def delivery_counts(self) -> dict[str, int]:
        async with self._tx() as s:
            rows = (await s.execute(select(DeliveryRow.status))).scalars().all()
            counts: dict[str, int] = {}
            for status in rows:
                counts[status] = counts.get(status, 0) + 1
            return counts

    # --- reading stored entries (on-demand summaries, why) ----------------------------------

    async def recent_articles(self, *, since: datetime, limit: int = 500) -> list[Article]:
        async with self._tx() as s:
            rows = (await s.execute(
                select(EntryRow, FeedRow.title).join(FeedRow, FeedRow.id == EntryRow.feed_id)
                .where(EntryRow.seen_at >= since).order_by(EntryRow.seen_at.desc()).limit(limit)
            )).all()
            return [article_value(e, title) for e, title in rows]

    async def find_article(self, link: str) -> Article | None:
        """The newest stored entry with this link (for `why <url>`)."""
        async with self._tx() as s:
            row = (await s.execute(
                select(EntryRow, FeedRow.title).join(FeedRow, FeedRow.id == EntryRow.feed_id)
                .where(EntryRow.link == link).order_by(EntryRow.seen_at.desc()).limit(1)
            )).first()
            return None if row is None else article_value(row[0], row[1])

    async def count_sent_since(self, channel_id: int, *, since: datetime) -> int:
        """Stories (delivery rows) sent to the channel at or after `since`."""
        async with self._tx() as s:
            query = select(func.count()).select_from(DeliveryRow).where(
                DeliveryRow.channel_id == channel_id, DeliveryRow.status == "sent",
                DeliveryRow.sent_at >= since)
            return int((await s.execute(query)).scalar_one())
