"""The SQLAlchemy store: one async engine, short transactions, values in and out.

`SqlStore` is composed of one mixin per area, each in its own module: feeds and their health
(`feeds.py`), watchlists, channels and subscriptions (`channels.py`), the outbox and stored
entries (`outbox.py`), admin commands and the audit log (`admin.py`), forgetting old entries
(`retention.py`); the engine and the transaction they share are in `base.py`.
"""

from __future__ import annotations

from bot.store.admin import AdminQueries
from bot.store.channels import ChannelQueries
from bot.store.feeds import FEED_LEASE_S, FeedQueries
from bot.store.outbox import OutboxQueries
from bot.store.retention import RetentionQueries

__all__ = ["FEED_LEASE_S", "SqlStore"]


class SqlStore(FeedQueries, ChannelQueries, OutboxQueries, RetentionQueries, AdminQueries):
    """The store; construct with `SqlStore(url=..., echo=False, pool_size=5)` (see
    `StoreBase`)."""
