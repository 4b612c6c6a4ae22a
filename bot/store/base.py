"""What every part of the store shares: the engine, one short transaction (`_tx`), and the
row → value conversions. The queries live in mixins per area (feeds, channels, outbox, admin)
that `SqlStore` (bot/store/sql.py) composes.

Driver exceptions are wrapped once, here, into `StoreError` (transient: the tick that met it
aborts and the next one retries).
"""

from __future__ import annotations

import asyncio
import select as io_select
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
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
        server = async_url(url).startswith("postgresql")
        sized = {"pool_size": pool_size} if server else {}
        # a connection the server dropped (restart, failover) is replaced before a tick uses
        # it instead of failing that tick (tests/store/test_outage.py): PostgreSQL pings a
        # suspect connection (`_checkout_check`); SQLite has no server to lose, and a ping
        # there cost several hand-offs to aiosqlite's thread per transaction
        self._engine: AsyncEngine = create_async_engine(async_url(url), echo=echo,
                                                        pool_pre_ping=False, **sized)
        if server:
            event.listen(self._engine.sync_engine.pool, "connect", _trusted)
            event.listen(self._engine.sync_engine.pool, "checkin", _trusted)
            event.listen(self._engine.sync_engine.pool, "checkout",
                         _checkout_check(self._engine.dialect))
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
        async with self._taking_turns(), self._session_tx() as session:
            yield session

    @asynccontextmanager
    async def _autocommit(self) -> AsyncIterator[Any]:
        """A pooled driver connection (psycopg, aiosqlite) in autocommit mode, in the
        process's SQLite turn as `_tx`, for the poll path's own statements
        (bot/store/polls_pg.py and polls_sqlite.py wrap their errors)."""
        try:
            async with self._taking_turns(), self._engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                raw = await conn.get_raw_connection()
                yield raw.driver_connection
        except (OperationalError, DBAPIError) as exc:
            raise database_error(exc.orig or exc) from exc

    @asynccontextmanager
    async def _taking_turns(self) -> AsyncIterator[None]:
        """SQLite: the process's turn (see `_turn`); elsewhere nothing to wait for."""
        if self._turn is None:
            yield
            return
        async with self._turn:
            yield

    @asynccontextmanager
    async def _session_tx(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except (OperationalError, DBAPIError) as exc:
            if isinstance(exc, IntegrityError):
                raise
            raise database_error(exc.orig or exc) from exc


def database_error(exc: BaseException) -> StoreError:
    """A driver's exception as the store's one error, transient: the tick retries. A foreign
    key the poll path meets (a feed removed while it was polled) is as transient as a lost
    connection or a locked SQLite file: the poll is not recorded, and the feed, if it is
    still there, comes again."""
    return StoreError(f"database error: {type(exc).__name__}: {exc}")


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


# A connection back in the pool within this long, whose socket has nothing to read, is used
# without a ping. A server that ends a connection (restart, failover, pg_terminate_backend)
# sends a last message and closes it, which makes the idle socket readable; the ping, a
# round trip, is kept for those and for connections idle longer (half-open TCP). Pinging
# every checkout cost ≈ 0.15 ms of a poll's worker CPU (bench/scale.md).
TRUST_IDLE_S = 1.0


def _trusted(_dbapi_conn: Any, record: Any, *_: Any) -> None:
    record.info["newsbot_idle_since"] = time.monotonic()


def _checkout_check(dialect: Any) -> Any:
    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("newsbot_idle_since")
        if since is not None and time.monotonic() - since < TRUST_IDLE_S and _quiet(dbapi_conn):
            return
        try:
            alive = dialect.do_ping(dbapi_conn)
        except Exception:  # the driver's own error for a dead connection
            alive = False
        if not alive:  # the pool replaces the connection and checks the new one out
            raise DisconnectionError("the connection failed its ping")

    return checkout


def _quiet(dbapi_conn: Any) -> bool:
    """Whether an idle connection's socket has nothing to read (a live one has not)."""
    try:
        fd = dbapi_conn.driver_connection.pgconn.socket
        return not io_select.select([fd], [], [], 0)[0]
    except Exception:  # closed, or no socket to ask: suspect
        return False


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers (CLI commands) work while the bot writes; foreign keys are off by default
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
