"""Watchlist, channel and subscription queries, mixed into `SqlStore`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import Channel, ChannelRef, KeywordEntry, Mode, TickerEntry, Watchlist
from bot.store.base import StoreBase, channel_value, channel_value_of
from bot.store.schema import (
    ChannelRow,
    RoutingRevisionRow,
    SubscriptionRow,
    WatchlistEntryRow,
    WatchlistRow,
)


class ChannelQueries(StoreBase):
    """Mixin for `SqlStore`: watchlists, channels and what they subscribe to."""

    # --- watchlists -------------------------------------------------------------------------

    async def upsert_watchlist(self, watchlist: Watchlist, *, now: datetime) -> None:
        """Create the watchlist or replace its entries with these."""
        async with self._tx() as s:
            row = (await s.execute(
                select(WatchlistRow).where(WatchlistRow.name == watchlist.name)
            )).scalar_one_or_none()
            if row is None:
                row = WatchlistRow(name=watchlist.name, created_at=now)
                s.add(row)
                await s.flush()
            else:
                await s.execute(delete(WatchlistEntryRow)
                                .where(WatchlistEntryRow.watchlist_id == row.id))
            for t in watchlist.tickers:
                s.add(WatchlistEntryRow(watchlist_id=row.id, kind="ticker", key=t.symbol, data={
                    "names": None if t.names is None else list(t.names),
                    "exclude": list(t.exclude), "bare": t.bare,
                    "extra_names": list(t.extra_names),
                }))
            for k in watchlist.keywords:
                s.add(WatchlistEntryRow(watchlist_id=row.id, kind="keyword", key=k.key, data={
                    "terms": list(k.terms), "exclude": list(k.exclude),
                    "case_sensitive": k.case_sensitive, "regex": list(k.regex),
                }))

    async def list_watchlists(self) -> list[Watchlist]:
        async with self._tx() as s:
            return await self._watchlists(s)

    @staticmethod
    async def _watchlists(s: AsyncSession) -> list[Watchlist]:
        lists = (await s.execute(select(WatchlistRow).order_by(WatchlistRow.name))).scalars()
        entries = (await s.execute(
            select(WatchlistEntryRow).order_by(WatchlistEntryRow.id)
        )).scalars().all()
        result = []
        for wl in lists:
            mine = [e for e in entries if e.watchlist_id == wl.id]
            result.append(Watchlist(
                name=wl.name,
                tickers=tuple(_ticker(e.key, e.data) for e in mine if e.kind == "ticker"),
                keywords=tuple(_keyword(e.key, e.data) for e in mine if e.kind == "keyword"),
            ))
        return result

    async def routing_sources(self, *, unless: int | None = None
                              ) -> tuple[int, list[Channel], list[Watchlist]] | None:
        """(revision, channels, watchlists): what routing is compiled from, with the counter
        the database bumps on every change to it (migration 0006); None when the revision is
        still `unless`. The counter is read first: a change committed meanwhile leaves an
        older number with newer lists, which only costs one more load."""
        async with self._tx() as s:
            revision = (await s.execute(
                select(RoutingRevisionRow.value).where(RoutingRevisionRow.id == 1)
            )).scalar_one()
            if revision == unless:
                return None
            return revision, await self._channels(s), await self._watchlists(s)

    # --- channels and subscriptions --------------------------------------------------------

    async def ensure_channel(self, ref: ChannelRef, *, now: datetime, **settings: Any
                             ) -> Channel:
        """Create the channel if needed and apply `settings` (lang, timezone, mode, …)."""
        async with self._tx() as s:
            row = await self._channel_row(s, ref)
            if row is None:
                row = ChannelRow(platform=ref.platform, external_id=ref.external_id, lang="en",
                                 timezone="UTC", mode=Mode.INSTANT.value, schedule=[],
                                 created_at=now)
                s.add(row)
            for name, value in settings.items():
                setattr(row, name, value)
            await s.flush()
            return await channel_value(s, row)

    async def get_channel(self, ref: ChannelRef) -> Channel | None:
        async with self._tx() as s:
            row = await self._channel_row(s, ref)
            return None if row is None else await channel_value(s, row)

    async def list_channels(self) -> list[Channel]:
        async with self._tx() as s:
            return await self._channels(s)

    @staticmethod
    async def _channels(s: AsyncSession) -> list[Channel]:
        rows = (await s.execute(select(ChannelRow).order_by(ChannelRow.id))).scalars().all()
        # every subscription in one query, not one per channel
        targets: dict[int, list[str]] = {}
        for channel_id, target in await s.execute(
                select(SubscriptionRow.channel_id, SubscriptionRow.target)
                .order_by(SubscriptionRow.id)):
            targets.setdefault(channel_id, []).append(target)
        return [channel_value_of(r, targets.get(r.id, ())) for r in rows]

    async def channel_meta(self, channel_id: int) -> tuple[datetime, datetime | None]:
        """(created_at, last_digest_at) for digest scheduling."""
        async with self._tx() as s:
            row = await s.get_one(ChannelRow, channel_id)
            return row.created_at, row.last_digest_at

    @staticmethod
    async def _targets(s: AsyncSession, channel_id: int) -> set[str]:
        query = select(SubscriptionRow.target).where(SubscriptionRow.channel_id == channel_id)
        return set((await s.execute(query)).scalars())

    async def subscribe(self, channel_id: int, targets: Sequence[str], *, now: datetime
                        ) -> list[str]:
        async with self._tx() as s:
            have = await self._targets(s, channel_id)
            added = [t for t in dict.fromkeys(targets) if t not in have]
            for target in added:
                s.add(SubscriptionRow(channel_id=channel_id, target=target, created_at=now))
            return added

    async def unsubscribe(self, channel_id: int, targets: Sequence[str]) -> list[str]:
        async with self._tx() as s:
            have = await self._targets(s, channel_id)
            removed = [t for t in dict.fromkeys(targets) if t in have]
            if removed:
                await s.execute(delete(SubscriptionRow).where(
                    SubscriptionRow.channel_id == channel_id, SubscriptionRow.target.in_(removed)))
            return removed

    @staticmethod
    async def _channel_row(s: AsyncSession, ref: ChannelRef) -> ChannelRow | None:
        return (await s.execute(select(ChannelRow).where(
            ChannelRow.platform == ref.platform, ChannelRow.external_id == ref.external_id,
        ))).scalar_one_or_none()

    async def set_channel_paused(self, channel_id: int, reason: str | None) -> bool:
        """Pause deliveries to a channel (with the platform's reason) or resume them (None).
        True when this call changed the state."""
        async with self._tx() as s:
            current = ChannelRow.paused_reason
            changed = (current.is_(None) if reason is not None else current.is_not(None))
            result = await s.execute(
                update(ChannelRow).where(ChannelRow.id == channel_id, changed)
                .values(paused_reason=reason[:500] if reason else None)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def channel_by_id(self, channel_id: int) -> Channel | None:
        async with self._tx() as s:
            row = await s.get(ChannelRow, channel_id)
            return None if row is None else await channel_value(s, row)


def _ticker(key: str, data: dict[str, Any]) -> TickerEntry:
    names = data.get("names")
    return TickerEntry(symbol=key, names=None if names is None else tuple(names),
                       exclude=tuple(data.get("exclude") or ()), bare=data.get("bare"),
                       extra_names=tuple(data.get("extra_names") or ()))


def _keyword(key: str, data: dict[str, Any]) -> KeywordEntry:
    terms = data.get("terms")
    return KeywordEntry(key=key, terms=(key,) if terms is None else tuple(terms),
                        case_sensitive=data.get("case_sensitive"),
                        exclude=tuple(data.get("exclude") or ()),
                        regex=tuple(data.get("regex") or ()))
