"""The store on a real SQLite file: migrations, round trips, outbox leases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.core.models import (
    Article,
    ChannelRef,
    KeywordEntry,
    Match,
    Mode,
    TickerEntry,
    Watchlist,
)
from bot.core.routing import Route
from bot.store.migrate import sync_url, upgrade
from bot.store.sql import SqlStore

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def article(uid: str, title: str = "Snowflake $SNOW (-3,37 %) holt DeepSeek") -> Article:
    return Article(uid=uid, title=title, link=f"https://example.org/{uid}",
                   published=NOW - timedelta(hours=1), text="Text über KI-Modelle.", lang="de",
                   feed_title="Beispiel", content_hash="abc")


async def test_migration_creates_every_table(store_url: str) -> None:
    upgrade(store_url)
    upgrade(store_url)  # idempotent
    engine = sa.create_engine(sync_url(store_url))
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"feeds", "entries", "watchlists", "watchlist_entries", "channels", "subscriptions",
            "deliveries", "alembic_version"} <= tables


async def test_feed_poll_roundtrip_survives_reopen(store: SqlStore, store_url: str) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    assert not feed.baselined and feed.next_poll_at == NOW
    channel = await store.ensure_channel(ChannelRef("console", "de"), now=NOW, lang="de")
    snow = Match(key="SNOW", kind="ticker", term="$SNOW", field="title", start=10, end=15,
                 move=-3.37)
    added = await store.record_poll(
        feed.id, now=NOW, articles=[article("a"), article("b"), article("a")],
        routes=[Route(channel.id, "a", (snow,))], etag='"v1"', last_modified="Sat, 28 Nov 2026",
        title="Beispiel", next_poll_at=NOW + timedelta(minutes=10),
    )
    assert added == 2
    await store.close()

    reopened = SqlStore(url=store_url)
    try:
        [state] = await reopened.list_feeds()
        assert (state.etag, state.title, state.baselined) == ('"v1"', "Beispiel", True)
        assert state.next_poll_at == NOW + timedelta(minutes=10)
        assert await reopened.known_uids(feed.id, ["a", "b", "c"]) == {"a", "b"}
        items = await reopened.claim_deliveries(channel.id, owner="w1", now=NOW)
        assert [i.article.uid for i in items] == ["a"]
        assert items[0].matches == (snow,)
        assert items[0].article.published == NOW - timedelta(hours=1)
        assert items[0].article.feed_title == "Beispiel"
    finally:
        await reopened.close()


async def test_record_poll_skips_entries_already_stored(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    channel = await store.ensure_channel(ChannelRef("console", "x"), now=NOW)
    route = Route(channel.id, "a", (Match("SNOW", "ticker", "SNOW", "title", 0, 4),))
    common = {"etag": None, "last_modified": None, "title": "", "next_poll_at": NOW}
    assert await store.record_poll(feed.id, now=NOW, articles=[article("a")], routes=[route],
                                   **common) == 1
    # a second poll racing the first: neither the entry nor its delivery is duplicated
    assert await store.record_poll(feed.id, now=NOW, articles=[article("a")], routes=[route],
                                   **common) == 0
    assert await store.delivery_counts() == {"pending": 1}


async def test_claim_lease_blocks_others_until_expiry(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    channel = await store.ensure_channel(ChannelRef("console", "x"), now=NOW)
    await store.record_poll(
        feed.id, now=NOW, articles=[article("a")],
        routes=[Route(channel.id, "a", (Match("SNOW", "ticker", "SNOW", "title", 0, 4),))],
        etag=None, last_modified=None, title="", next_poll_at=NOW,
    )
    first = await store.claim_deliveries(channel.id, owner="w1", now=NOW, lease_s=60)
    assert len(first) == 1
    assert await store.claim_deliveries(channel.id, owner="w2", now=NOW) == []
    later = NOW + timedelta(seconds=61)
    again = await store.claim_deliveries(channel.id, owner="w2", now=later)
    assert [i.delivery_id for i in again] == [first[0].delivery_id]
    await store.mark_sent([first[0].delivery_id], now=later)
    assert await store.channels_with_pending() == []
    assert await store.delivery_counts() == {"sent": 1}


async def test_release_with_retry_keeps_row_pending_but_leased(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    channel = await store.ensure_channel(ChannelRef("console", "x"), now=NOW)
    await store.record_poll(
        feed.id, now=NOW, articles=[article("a")],
        routes=[Route(channel.id, "a", (Match("SNOW", "ticker", "SNOW", "title", 0, 4),))],
        etag=None, last_modified=None, title="", next_poll_at=NOW,
    )
    [item] = await store.claim_deliveries(channel.id, owner="w1", now=NOW)
    await store.release([item.delivery_id], error="429", retry_at=NOW + timedelta(seconds=30))
    assert await store.claim_deliveries(channel.id, owner="w1", now=NOW) == []
    assert len(await store.claim_deliveries(channel.id, owner="w1",
                                            now=NOW + timedelta(seconds=31))) == 1


async def test_watchlist_roundtrip_and_replace(store: SqlStore) -> None:
    wl = Watchlist(
        name="tech",
        tickers=(TickerEntry("SNOW", ("Snowflake",)), TickerEntry("NVDA"),
                 TickerEntry("SIE", ("Siemens",), exclude=("Siemens Energy",), bare=False)),
        keywords=(KeywordEntry("KI", ("KI", "künstliche Intelligenz"), case_sensitive=True),),
    )
    await store.upsert_watchlist(wl, now=NOW)
    assert await store.list_watchlists() == [wl]
    smaller = Watchlist(name="tech", tickers=(TickerEntry("SNOW", ()),))
    await store.upsert_watchlist(smaller, now=NOW)
    assert await store.list_watchlists() == [smaller]


async def test_channel_settings_and_subscriptions(store: SqlStore) -> None:
    ref = ChannelRef("console", "markets-de")
    channel = await store.ensure_channel(ref, now=NOW, lang="de", timezone="Europe/Berlin",
                                         mode="digest", schedule=["08:00", "17:30"])
    assert await store.subscribe(channel.id, ["SNOW", "DEEPSEEK", "SNOW"], now=NOW) == [
        "SNOW", "DEEPSEEK"]
    assert await store.subscribe(channel.id, ["SNOW"], now=NOW) == []
    assert await store.unsubscribe(channel.id, ["SNOW", "NVDA"]) == ["SNOW"]
    loaded = await store.get_channel(ref)
    assert loaded is not None
    assert (loaded.lang, loaded.timezone, loaded.mode, loaded.schedule, loaded.subscriptions) == (
        "de", "Europe/Berlin", Mode.DIGEST, ("08:00", "17:30"), ("DEEPSEEK",))
    assert await store.get_channel(ChannelRef("slack", "markets-de")) is None


async def test_due_feeds_respects_next_poll_at(store: SqlStore) -> None:
    feed = await store.upsert_feed("https://example.org/rss", interval_s=600, now=NOW)
    await store.record_not_modified(feed.id, now=NOW, next_poll_at=NOW + timedelta(minutes=10))
    assert await store.due_feeds(NOW + timedelta(minutes=9)) == []
    assert [f.id for f in await store.due_feeds(NOW + timedelta(minutes=10))] == [feed.id]


async def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    with pytest.raises(Exception, match="naive"):
        await store.upsert_feed("https://example.org/x", interval_s=600,
                                now=NOW.replace(tzinfo=None))
