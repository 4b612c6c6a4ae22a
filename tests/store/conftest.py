"""Store tests run on SQLite always and on PostgreSQL when it is reachable: the `store_url`
fixture lives in tests/conftest.py (the command-service tests use it too).

Under CI=true an unreachable PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.store.migrate import upgrade
from bot.store.sql import SqlStore


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    """A migrated store on a fresh database (each parameter of `store_url`)."""
    upgrade(store_url)
    s = SqlStore(url=store_url)
    yield s
    await s.close()
