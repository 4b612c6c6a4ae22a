"""The SQLAlchemy store: one async engine, short transactions, values in and out.

Driver exceptions are wrapped once, here, into `StoreError` (transient: the tick that met it
aborts and the next one retries).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.core.models import (
    Article,
    Channel,
    ChannelRef,
    FeedState,
    KeywordEntry,
    Lang,
    Match,
    Mode,
    PendingItem,
    TickerEntry,
    Watchlist,
)
from bot.core.routing import Route
from bot.errors import StoreError
from bot.store.admin import AdminQueries
from bot.store.migrate import async_url
from bot.store.schema import (
    ChannelRow,
    DeliveryRow,
    EntryRow,
    FeedRow,
    SubscriptionRow,
    WatchlistEntryRow,
    WatchlistRow,
)


def _feed_state(row: FeedRow) -> FeedState:
    return FeedState(
        id=row.id, url=row.url, interval_s=row.interval_s, etag=row.etag,
        last_modified=row.last_modified, next_poll_at=row.next_poll_at,
        error_count=row.error_count, disabled_reason=row.disabled_reason, title=row.title,
        baselined=row.baselined, body_hash=row.body_hash,
    )


def _article(row: EntryRow, feed_title: str) -> Article:
    return Article(
        uid=row.uid, title=row.title, link=row.link, published=row.published, text=row.text,
        lang=row.lang, feed_title=feed_title, content_hash=row.content_hash,
        description=row.description or "",
    )


def _lang(value: str) -> Lang:
    return "de" if value == "de" else "en"


FEED_LEASE_S = 300.0  # longer than any poll: a fetch's total deadline plus the write


class SqlStore(AdminQueries):
    """The store; admin and audit queries come from `AdminQueries` (bot/store/admin.py)."""

    def __init__(self, *, url: str, echo: bool = False) -> None:
        self.url = url
        # pre-ping: a connection the server dropped (restart, failover) is replaced before a
        # tick uses it instead of failing that tick (tests/store/test_outage.py)
        self._engine: AsyncEngine = create_async_engine(async_url(url), echo=echo,
                                                        pool_pre_ping=True)
        if self._engine.dialect.name == "sqlite":
            event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    async def close(self) -> None:
        await self._engine.dispose()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, IntegrityError):
                raise
            raise StoreError(f"database error: {type(exc.orig).__name__}: {exc.orig}") from exc

    # --- feeds ------------------------------------------------------------------------------

    async def upsert_feed(self, url: str, *, interval_s: int, now: datetime) -> FeedState:
        async with self._tx() as s:
            row = (await s.execute(select(FeedRow).where(FeedRow.url == url))).scalar_one_or_none()
            if row is None:
                row = FeedRow(url=url, interval_s=interval_s, created_at=now, next_poll_at=now,
                              title="", error_count=0, baselined=False)
                s.add(row)
            else:
                row.interval_s = interval_s
            await s.flush()
            return _feed_state(row)

    async def remove_feed(self, url: str) -> bool:
        async with self._tx() as s:
            result = await s.execute(delete(FeedRow).where(FeedRow.url == url))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def list_feeds(self) -> list[FeedState]:
        async with self._tx() as s:
            rows = (await s.execute(select(FeedRow).order_by(FeedRow.id))).scalars()
            return [_feed_state(r) for r in rows]

    async def due_feeds(self, now: datetime, *, force: bool = False, limit: int = 500,
                        owner: str | None = None, lease_s: float = FEED_LEASE_S
                        ) -> list[FeedState]:
        """Enabled feeds whose poll is due (all of them with `force`). With `owner`, they are
        claimed: see `_claim_feeds`."""
        query = select(FeedRow).where(FeedRow.disabled_reason.is_(None))
        if not force:
            query = query.where(FeedRow.next_poll_at.is_(None) | (FeedRow.next_poll_at <= now))
        return await self._claim_feeds(query.order_by(FeedRow.next_poll_at).limit(limit),
                                       now=now, owner=owner, lease_s=lease_s)

    async def _claim_feeds(self, query: Any, *, now: datetime, owner: str | None,
                           lease_s: float) -> list[FeedState]:
        """Rows of `query`; with `owner`, locked (other workers skip them: SKIP LOCKED on
        PostgreSQL; SQLite has one writer anyway) and their next poll pushed `lease_s` ahead.
        The poll's outcome then sets the real next poll; if the worker dies first, the feed
        is simply due again when the lease runs out: nothing to clean up."""
        async with self._tx() as s:
            if owner is not None:
                query = query.with_for_update(skip_locked=True)
            rows = list((await s.execute(query)).scalars())
            if owner is not None and rows:
                until = now + timedelta(seconds=lease_s)
                await s.execute(update(FeedRow).where(FeedRow.id.in_([r.id for r in rows]))
                                .values(next_poll_at=until, lease_owner=owner[:100],
                                        lease_until=until))
            return [_feed_state(r) for r in rows]

    async def known_uids(self, feed_id: int, uids: Iterable[str]) -> set[str]:
        wanted = list(set(uids))
        found: set[str] = set()
        async with self._tx() as s:
            for start in range(0, len(wanted), 500):  # stay below SQLite's variable limit
                chunk = wanted[start:start + 500]
                rows = await s.execute(
                    select(EntryRow.uid).where(EntryRow.feed_id == feed_id, EntryRow.uid.in_(chunk))
                )
                found.update(rows.scalars())
        return found

    async def known_stories(self, feed_id: int, articles: Sequence[Article]) -> set[str]:
        """Uids among `articles` whose content (title and text, `content_hash`) this feed
        already had under another id: feeds that rotate their GUIDs. Links are not used:
        some feeds give every entry the same link, and that must not hide new stories."""
        hashes = list({a.content_hash for a in articles if a.content_hash})
        seen: set[str] = set()
        async with self._tx() as s:
            for start in range(0, len(hashes), 500):
                rows = await s.execute(select(EntryRow.content_hash).where(
                    EntryRow.feed_id == feed_id,
                    EntryRow.content_hash.in_(hashes[start:start + 500])))
                seen.update(rows.scalars())
        return {a.uid for a in articles if a.content_hash in seen}

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
        """Store new entries and their outbox rows in one transaction; returns entries added.

        Entries already present (a concurrent poll) are skipped together with their routes,
        so an article is routed at most once per channel.
        """
        async with self._tx() as s:
            existing = set((await s.execute(
                select(EntryRow.uid).where(EntryRow.feed_id == feed_id,
                                           EntryRow.uid.in_([a.uid for a in articles]))
            )).scalars()) if articles else set()
            ids: dict[str, int] = {}
            for article in articles:
                if article.uid in existing or article.uid in ids:
                    continue
                row = EntryRow(
                    feed_id=feed_id, uid=article.uid, title=article.title, link=article.link,
                    published=article.published, text=article.text, lang=article.lang,
                    content_hash=article.content_hash, seen_at=now,
                    description=article.description,
                )
                s.add(row)
                await s.flush()
                ids[article.uid] = row.id
            for route in routes:
                entry_id = ids.get(route.article_uid)
                if entry_id is None:
                    continue
                s.add(DeliveryRow(
                    channel_id=route.channel_id, entry_id=entry_id,
                    matches=[asdict(m) for m in route.matches], status="pending", attempts=0,
                    created_at=now,
                ))
            await s.execute(update(FeedRow).where(FeedRow.id == feed_id).values(
                etag=etag, last_modified=last_modified, title=title or FeedRow.title,
                next_poll_at=next_poll_at, last_polled_at=now, error_count=0, last_error=None,
                baselined=True, body_hash=body_hash,
            ))
            return len(ids)

    async def record_not_modified(self, feed_id: int, *, now: datetime, next_poll_at: datetime,
                                  validators: tuple[str | None, str | None] | None = None
                                  ) -> None:
        """A poll that found nothing new (304, or the same body again); `validators` are a
        200's new (etag, last_modified), kept for the next conditional request."""
        values: dict[str, Any] = {"next_poll_at": next_poll_at, "last_polled_at": now,
                                  "error_count": 0, "last_error": None}
        if validators is not None:
            values["etag"], values["last_modified"] = validators
        async with self._tx() as s:
            await s.execute(update(FeedRow).where(FeedRow.id == feed_id).values(**values))

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
            return await self._channel(s, row)

    async def get_channel(self, ref: ChannelRef) -> Channel | None:
        async with self._tx() as s:
            row = await self._channel_row(s, ref)
            return None if row is None else await self._channel(s, row)

    async def list_channels(self) -> list[Channel]:
        async with self._tx() as s:
            rows = (await s.execute(select(ChannelRow).order_by(ChannelRow.id))).scalars().all()
            return [await self._channel(s, r) for r in rows]

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

    @staticmethod
    async def _channel(s: AsyncSession, row: ChannelRow) -> Channel:
        subs = (await s.execute(select(SubscriptionRow.target)
                                .where(SubscriptionRow.channel_id == row.id)
                                .order_by(SubscriptionRow.id))).scalars().all()
        return Channel(
            id=row.id, ref=ChannelRef(row.platform, row.external_id), lang=_lang(row.lang),
            timezone=row.timezone, mode=Mode(row.mode), schedule=tuple(row.schedule or ()),
            quiet=row.quiet, subscriptions=tuple(subs), paused=row.paused_reason,
        )

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

    # --- outbox -----------------------------------------------------------------------------

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
                PendingItem(delivery_id=d.id, article=_article(e, title),
                            matches=tuple(Match(**m) for m in d.matches), created_at=d.created_at)
                for d, e, title in rows
            ]

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
            return [_article(e, title) for e, title in rows]

    async def find_article(self, link: str) -> Article | None:
        """The newest stored entry with this link (for `why <url>`)."""
        async with self._tx() as s:
            row = (await s.execute(
                select(EntryRow, FeedRow.title).join(FeedRow, FeedRow.id == EntryRow.feed_id)
                .where(EntryRow.link == link).order_by(EntryRow.seen_at.desc()).limit(1)
            )).first()
            return None if row is None else _article(row[0], row[1])

    # --- feed health notices and per-channel alert limits (service.py) ---------------------
    # A disabled feed with a next poll time is *paused* (after repeated failures) and probed
    # at that time; without one it is stopped for good (410 Gone) and never polled again.

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

    async def due_paused_feeds(self, now: datetime, *, limit: int = 100,
                               owner: str | None = None, lease_s: float = FEED_LEASE_S
                               ) -> list[FeedState]:
        """Paused feeds whose probe is due (claimed with `owner`, as in `due_feeds`)."""
        query = (select(FeedRow).where(FeedRow.disabled_reason.is_not(None),
                                       FeedRow.next_poll_at.is_not(None),
                                       FeedRow.next_poll_at <= now)
                 .order_by(FeedRow.next_poll_at).limit(limit))
        return await self._claim_feeds(query, now=now, owner=owner, lease_s=lease_s)

    async def channels_fed_by(self, feed_id: int, *, since: datetime) -> list[Channel]:
        """Channels that were routed a story of this feed (sent or still queued) since
        `since`: the audience of the feed's health notices."""
        fed = (select(DeliveryRow.channel_id)
               .join(EntryRow, EntryRow.id == DeliveryRow.entry_id)
               .where(EntryRow.feed_id == feed_id, DeliveryRow.created_at >= since))
        async with self._tx() as s:
            rows = (await s.execute(select(ChannelRow).where(ChannelRow.id.in_(fed))
                                    .order_by(ChannelRow.id))).scalars().all()
            return [await self._channel(s, r) for r in rows]

    async def channel_by_id(self, channel_id: int) -> Channel | None:
        async with self._tx() as s:
            row = await s.get(ChannelRow, channel_id)
            return None if row is None else await self._channel(s, row)

    async def count_sent_since(self, channel_id: int, *, since: datetime) -> int:
        """Stories (delivery rows) sent to the channel at or after `since`."""
        async with self._tx() as s:
            query = select(func.count()).select_from(DeliveryRow).where(
                DeliveryRow.channel_id == channel_id, DeliveryRow.status == "sent",
                DeliveryRow.sent_at >= since)
            return int((await s.execute(query)).scalar_one())


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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers (CLI commands) work while the bot writes; foreign keys are off by default
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
