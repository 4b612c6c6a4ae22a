"""The routing revision (migration 0006): every change routing is compiled from bumps it,
whoever makes it; polling, deliveries and digests do not. A poller compares it to skip
reloading channels and watchlists (`routing_sources`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.core.models import ChannelRef, KeywordEntry, Match, TickerEntry, Watchlist
from bot.core.routing import Route
from bot.store.sql import SqlStore
from tests.store.test_sql import NOW, article

REF = ChannelRef("discord", "C1")
TECH = Watchlist(name="tech", tickers=(TickerEntry("NVDA", ("Nvidia",)),),
                 keywords=(KeywordEntry("KI", ("KI",)),))


async def _revision(store: SqlStore) -> int:
    loaded = await store.routing_sources()
    assert loaded is not None
    return loaded[0]


async def _setup(store: SqlStore) -> int:
    """A channel subscribed to NVDA, the tech watchlist, a feed with one routed entry."""
    channel = await store.ensure_channel(REF, now=NOW, lang="de")
    await store.subscribe(channel.id, ["NVDA"], now=NOW)
    await store.upsert_watchlist(TECH, now=NOW)
    feed = await store.upsert_feed("https://example.org/a.xml", interval_s=600, now=NOW)
    route = Route(article_uid="u1", channel_id=channel.id,
                  matches=(Match(key="NVDA", kind="ticker", term="Nvidia", field="title",
                                   start=0, end=6),))
    await store.record_poll(feed.id, now=NOW, articles=[article("u1")], routes=[route],
                            etag=None, last_modified=None, title="A", next_poll_at=NOW)
    return channel.id


Change = Callable[[SqlStore, int], Awaitable[object]]

CHANGES: list[tuple[str, Change]] = [
    ("subscribe", lambda s, c: s.subscribe(c, ["KI"], now=NOW)),
    ("unsubscribe", lambda s, c: s.unsubscribe(c, ["NVDA"])),
    ("channel-language", lambda s, c: s.ensure_channel(REF, now=NOW, lang="en")),
    ("channel-mode", lambda s, c: s.ensure_channel(REF, now=NOW, mode="digest")),
    ("new-channel", lambda s, c: s.ensure_channel(ChannelRef("slack", "C2"), now=NOW)),
    ("channel-paused", lambda s, c: s.set_channel_paused(c, "missing access")),
    ("watchlist-edited", lambda s, c: s.upsert_watchlist(
        Watchlist(name="tech", tickers=TECH.tickers, keywords=()), now=NOW)),
    ("watchlist-added", lambda s, c: s.upsert_watchlist(
        Watchlist(name="chips", tickers=(TickerEntry("AMD"),), keywords=()), now=NOW)),
    ("watchlist-deleted", lambda s, c: s.delete_watchlist("tech")),
]

NOT_CHANGES: list[tuple[str, Change]] = [
    ("same-channel-settings", lambda s, c: s.ensure_channel(REF, now=NOW, lang="de")),
    ("subscribe-again", lambda s, c: s.subscribe(c, ["NVDA"], now=NOW)),
    ("digest-sent", lambda s, c: s.set_last_digest(c, now=NOW)),
    ("feed-polled", lambda s, c: s.due_feeds(NOW + timedelta(hours=1), owner="w1")),
]


@pytest.mark.parametrize("change", [c for _, c in CHANGES], ids=[i for i, _ in CHANGES])
async def test_a_routing_change_bumps_the_revision(store: SqlStore, change: Change) -> None:
    channel_id = await _setup(store)
    before = await _revision(store)
    await change(store, channel_id)
    assert await _revision(store) > before
    assert await store.routing_sources(unless=before) is not None


@pytest.mark.parametrize("change", [c for _, c in NOT_CHANGES], ids=[i for i, _ in NOT_CHANGES])
async def test_other_writes_leave_the_revision(store: SqlStore, change: Change) -> None:
    channel_id = await _setup(store)
    before = await _revision(store)
    await change(store, channel_id)
    assert await store.routing_sources(unless=before) is None


async def test_a_change_made_in_sql_by_hand_counts_too(store: SqlStore) -> None:
    channel_id = await _setup(store)
    before = await _revision(store)
    async with store._tx() as s:  # an operator's fix, outside newsbot
        await s.execute(text("UPDATE subscriptions SET target = 'AMD' WHERE channel_id = :c"),
                        {"c": channel_id})
    loaded = await store.routing_sources(unless=before)
    assert loaded is not None
    _, channels, _ = loaded
    assert [c.subscriptions for c in channels] == [("AMD",)]


async def test_sources_are_the_stored_channels_and_watchlists(store: SqlStore) -> None:
    await _setup(store)
    await store.subscribe((await store.list_channels())[0].id, ["KI"], now=NOW)
    loaded = await store.routing_sources()
    assert loaded is not None
    _, channels, watchlists = loaded
    assert channels == await store.list_channels()
    assert [c.subscriptions for c in channels] == [("NVDA", "KI")]
    assert watchlists == await store.list_watchlists() == [TECH]
