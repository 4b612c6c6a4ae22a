"""A cross-process mutex on PostgreSQL for start-up work that must not interleave.

Several workers starting at once (compose replicas, systemd instances) each apply the YAML
config to the database; unserialized, two of them insert the same feed and one dies on the
unique constraint. `exclusive(url)` holds a session-level advisory lock on a connection of
its own for the duration of the block; the server drops it with the connection, so a
worker killed inside the block never leaves it locked. SQLite needs none: one process per
file (`bot.store.single`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bot.errors import StoreError
from bot.store.migrate import async_url

# An arbitrary constant, distinct from the migration lock in bot.store.migrate.
CONFIG_SYNC_LOCK = 0x6E657774


@asynccontextmanager
async def exclusive(database_url: str, lock_id: int = CONFIG_SYNC_LOCK) -> AsyncIterator[None]:
    """Run the block while no other process holds `lock_id` (a no-op on SQLite)."""
    if make_url(database_url).get_backend_name() != "postgresql":
        yield
        return
    engine = create_async_engine(async_url(database_url), poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            try:
                await conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id})
                await conn.commit()  # the lock is the session's; no transaction stays open
            except DBAPIError as exc:
                raise StoreError(f"database error: {type(exc.orig).__name__}") from exc
            try:
                yield
            finally:
                # a broken connection has lost the lock with it: nothing left to release
                with contextlib.suppress(DBAPIError):
                    await conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                    await conn.commit()
    finally:
        await engine.dispose()
