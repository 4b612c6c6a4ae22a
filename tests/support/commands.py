"""A command service on a real store, with a fake fetch callable: the test environment of
tests/test_command_service*.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bot.command_service import CommandService
from bot.core.models import Caller, ChannelRef, Reply
from bot.errors import FetchError
from bot.ports import FetchResult
from bot.store import migrate
from bot.store.schema import Base
from bot.store.sql import SqlStore
from tests.support.clock import FixedClock

FEED_URL = "https://feeds.example.org/markets.xml"
CHANNEL = ChannelRef("slack", "C1")


@dataclass
class FakeFetch:
    """The `fetch` callable the composition root passes: canned answers by URL."""

    answers: dict[str, FetchResult | FetchError] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    async def __call__(self, url: str) -> FetchResult:
        self.calls.append(url)
        answer = self.answers.get(url, FetchError("HTTP 404 Not Found", transient=False,
                                                  status=404))
        if isinstance(answer, FetchError):
            raise answer
        return answer


def ok(body: bytes) -> FetchResult:
    return FetchResult(url=FEED_URL, status=200, body=body, etag=None, last_modified=None,
                       content_type="application/rss+xml")


@dataclass
class Env:
    store: SqlStore
    service: CommandService
    fetch: FakeFetch
    clock: FixedClock
    url: str

    async def run(self, text: str, role: Any = "admin", *, user: str = "U1",
                  locale: Any = None) -> Reply:
        return await self.service.handle(Caller(CHANNEL, user, role, locale), text)


@asynccontextmanager
async def command_env(store_url: str, clock: FixedClock) -> AsyncIterator[Env]:
    await asyncio.to_thread(migrate.upgrade, store_url)
    store = SqlStore(url=store_url)
    fetch = FakeFetch()
    service = CommandService(store=store, clock=clock, fetch=fetch,
                             reference={"NVDA": ("Nvidia",), "SIE": ("Siemens",)})
    try:
        yield Env(store, service, fetch, clock, store_url)
    finally:
        await store.close()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the audit log (and Alembic's own)."""
    engine = sa.create_engine(migrate.sync_url(url))
    try:
        with engine.connect() as conn:
            return {name: sorted(map(tuple, conn.execute(sa.select(table)).all()), key=repr)
                    for name, table in Base.metadata.tables.items() if name != "audit"}
    finally:
        engine.dispose()
