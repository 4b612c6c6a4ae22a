"""SQLAlchemy 2 table definitions. The Alembic migrations under `migrations/` create exactly these.

Times are stored as aware UTC datetimes (`UtcDateTime`), so SQLite and PostgreSQL
round-trip the same values.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out; SQLite has no time zones, so normalise at the boundary."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class FeedRow(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    interval_s: Mapped[int] = mapped_column(Integer, default=600)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    next_poll_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    baselined: Mapped[bool] = mapped_column(Boolean, default=False)
    # sha256 of the last body parsed: an identical body (a server without ETags) is not
    # parsed again
    body_hash: Mapped[str | None] = mapped_column(String(64))
    # a permanent redirect (301/308) seen on the last `redirect_polls` good polls in a row;
    # the URL is moved once that reaches `bot.core.redirects.MOVE_AFTER_POLLS`
    redirect_url: Mapped[str | None] = mapped_column(String(2048))
    redirect_polls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FeedMoveRow(Base):
    """A URL a feed had before a permanent redirect moved it: the config file and `feed add`
    may still name it, and must find the moved feed instead of adding the old URL again."""

    __tablename__ = "feed_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    old_url: Mapped[str] = mapped_column(String(2048), unique=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    moved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EntryRow(Base):
    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("feed_id", "uid", name="uq_entries_feed_uid"),
        Index("ix_entries_seen_at", "seen_at"),
        Index("ix_entries_feed_hash", "feed_id", "content_hash"),  # the repeated-story check
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(600))
    title: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(2048))
    published: Mapped[datetime | None] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(Text, default="")
    # the feed's summary when `text` is the full content (empty otherwise)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    lang: Mapped[str | None] = mapped_column(String(8))
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WatchlistRow(Base):
    __tablename__ = "watchlists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WatchlistEntryRow(Base):
    __tablename__ = "watchlist_entries"
    __table_args__ = (
        UniqueConstraint("watchlist_id", "kind", "key", name="uq_watchlist_entries_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watchlist_id: Mapped[int] = mapped_column(ForeignKey("watchlists.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # "ticker" | "keyword"
    key: Mapped[str] = mapped_column(String(40))
    # names/terms/exclude/bare/case_sensitive: the entry's shape as in the watchlist file
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChannelRow(Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_channels_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(100))
    lang: Mapped[str] = mapped_column(String(2), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    mode: Mapped[str] = mapped_column(String(10), default="instant")
    schedule: Mapped[list[str]] = mapped_column(JSON, default=list)
    quiet: Mapped[str | None] = mapped_column(String(20))
    last_digest_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("channel_id", "target", name="uq_subscriptions_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(60))  # "SNOW", "DEEPSEEK", "watchlist:tech"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeliveryRow(Base):
    """The outbox: one row per (channel, entry), written with the match, claimed with a lease."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("channel_id", "entry_id", name="uq_deliveries_channel_entry"),
        Index("ix_deliveries_status_channel", "status", "channel_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditRow(Base):
    """The audit log: every change a command made, and every admin command refused."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(2048), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(10))  # ok | refused | error


class RoutingRevisionRow(Base):
    """One row: bumped by triggers (migration 0006) whenever channels, subscriptions or
    watchlists change, so a poller recompiles its routing only then."""

    __tablename__ = "routing_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
