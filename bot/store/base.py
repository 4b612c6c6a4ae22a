"""What every part of the store shares: the engine, one short transaction (`_tx`), and the
row → value conversions. The queries live in mixins per area (feeds, channels, outbox, admin)
that `SqlStore` (bot/store/sql.py) composes.

Driver exceptions are wrapped once, here, into `StoreError` (transient: the tick that met it
aborts and the next one retries).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.core.models import Article, Channel, ChannelRef, FeedState, Lang, Mode
from bot.errors import StoreError
from bot.store.migrate import async_url
from bot.store.schema import ChannelRow, EntryRow, FeedRow, SubscriptionRow


class StoreBase:
    """The engine and its transactions; the query mixins build on `_tx()`."""

    def __init__(self, *, url: str, echo: bool = False, pool_size: int = 5) -> None:
        self.url = url
        # as many pooled connections as polls run at once (`pool_size`): with fewer, every
        # poll past the pool opened and closed a PostgreSQL connection (a server process)
        # per transaction (bench/pipeline.py)
        sized = {"pool_size": pool_size} if async_url(url).startswith("postgresql") else {}
        # pre-ping: a connection the server dropped (restart, failover) is replaced before a
        # tick uses it instead of failing that tick (tests/store/test_outage.py)
        self._engine: AsyncEngine = create_async_engine(async_url(url), echo=echo,
                                                        pool_pre_ping=True, **sized)
        # SQLite has one writer: this process's transactions take turns here instead of
        # meeting inside SQLite, where a transaction that reads and then writes fails at once
        # ("database is locked", whatever the busy timeout) when another connection wrote in
        # between, and 16 concurrent polls on a slow machine did (bench/scale.md)
        self._turn: asyncio.Lock | None = None
        if self._engine.dialect.name == "sqlite":
            event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
            self._turn = asyncio.Lock()
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    async def close(self) -> None:
        await self._engine.dispose()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[AsyncSession]:
        async with contextlib.AsyncExitStack() as turn:
            if self._turn is not None:
                await turn.enter_async_context(self._turn)
            async with self._session_tx() as session:
                yield session

    @asynccontextmanager
    async def _session_tx(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, IntegrityError):
                raise
            raise StoreError(f"database error: {type(exc.orig).__name__}: {exc.orig}") from exc


def feed_state(row: FeedRow) -> FeedState:
    return FeedState(
        id=row.id, url=row.url, interval_s=row.interval_s, etag=row.etag,
        last_modified=row.last_modified, next_poll_at=row.next_poll_at,
        error_count=row.error_count, disabled_reason=row.disabled_reason, title=row.title,
        baselined=row.baselined, body_hash=row.body_hash, redirect_url=row.redirect_url,
        redirect_polls=row.redirect_polls,
    )


def article_value(row: EntryRow, feed_title: str) -> Article:
    return Article(
        uid=row.uid, title=row.title, link=row.link, published=row.published, text=row.text,
        lang=row.lang, feed_title=feed_title, content_hash=row.content_hash,
        description=row.description or "",
    )


def _lang(value: str) -> Lang:
    return "de" if value == "de" else "en"


async def channel_value(s: AsyncSession, row: ChannelRow) -> Channel:
    """A channel row with its subscriptions, as a value."""
    subs = (await s.execute(select(SubscriptionRow.target)
                            .where(SubscriptionRow.channel_id == row.id)
                            .order_by(SubscriptionRow.id))).scalars().all()
    return channel_value_of(row, subs)


def channel_value_of(row: ChannelRow, subscriptions: Iterable[str]) -> Channel:
    return Channel(
        id=row.id, ref=ChannelRef(row.platform, row.external_id), lang=_lang(row.lang),
        timezone=row.timezone, mode=Mode(row.mode), schedule=tuple(row.schedule or ()),
        quiet=row.quiet, subscriptions=tuple(subscriptions), paused=row.paused_reason,
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers (CLI commands) work while the bot writes; foreign keys are off by default
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
