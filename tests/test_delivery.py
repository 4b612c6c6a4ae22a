"""One channel's delivery (bot/delivery.py): a claim being sent is renewed, so a send that
outlasts the delivery lease is not claimed and posted again by another worker. SQLite and
PostgreSQL; the two `ChannelDelivery`s stand for two sender processes (on PostgreSQL each
with its own connection pool)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

import bot.delivery
from bot.clock import SystemClock
from bot.core.digest import Digest
from bot.core.models import ChannelRef, Match
from bot.core.routing import Route
from bot.delivery import ChannelDelivery
from bot.store.migrate import upgrade
from bot.store.sql import SqlStore
from tests.store.test_sql import article
from tests.support.adapters import RecordingAdapter

LEASE = timedelta(seconds=0.6)
KI = Match(key="KI", kind="keyword", term="KI", field="title", start=0, end=2)


@dataclass
class SlowAdapter(RecordingAdapter):
    """Takes `seconds` per send: a digest split into many parts, or a rate-limit wait."""

    seconds: float = 0.0

    async def send_digest(self, channel_id: str, digest: Digest) -> None:
        await asyncio.sleep(self.seconds)
        await super().send_digest(channel_id, digest)


@pytest.fixture
async def stores(store_url: str) -> AsyncIterator[tuple[SqlStore, SqlStore]]:
    upgrade(store_url)
    one, two = SqlStore(url=store_url), SqlStore(url=store_url)
    yield one, two
    await one.close()
    await two.close()


def _delivery(store: SqlStore, adapter: SlowAdapter, owner: str) -> ChannelDelivery:
    return ChannelDelivery(store=store, clock=SystemClock(), adapters={"console": adapter},
                           owner=owner, delivery_lease=LEASE, alert_max_per_hour=0,
                           digest_max_items=20, summarizer=None)


@pytest.mark.parametrize(("renew", "posts"), [(True, 1), (False, 2)],
                         ids=["renewed-once-posted", "not-renewed-posted-twice"])
async def test_a_send_longer_than_the_lease_keeps_its_claim(
    stores: tuple[SqlStore, SqlStore], monkeypatch: pytest.MonkeyPatch, renew: bool, posts: int,
) -> None:
    """Without renewal (the control case) the second worker claims the rows once the lease
    ran out and posts them again: the test can tell the difference."""
    if not renew:
        monkeypatch.setattr(bot.delivery, "RENEW_SHARE", 0.01)  # first renewal after 60 s
    one, two = stores
    now = SystemClock().now()
    channel = await one.ensure_channel(ChannelRef("console", "c1"), now=now)
    feed = await one.upsert_feed("https://example.org/a.xml", interval_s=600, now=now)
    await one.record_poll(feed.id, now=now, articles=[article("u1")],
                          routes=[Route(channel_id=channel.id, article_uid="u1", matches=(KI,))],
                          etag=None, last_modified=None, title="A", next_poll_at=now)
    slow, quick = SlowAdapter(seconds=3 * LEASE.total_seconds()), SlowAdapter()
    first = asyncio.create_task(_delivery(one, slow, "w1").deliver(channel, force=True))
    await asyncio.sleep(2 * LEASE.total_seconds())  # the first lease would have run out
    second = await _delivery(two, quick, "w2").deliver(channel, force=True)
    assert (await first).status == "sent"
    assert len(slow.sent) + len(quick.sent) == posts
    assert second.status == ("held" if renew else "sent")
    assert await one.delivery_counts() == {"sent": 1}
