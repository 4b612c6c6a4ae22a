"""The admin and audit queries (bot/store/admin.py) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.models import AuditEntry, ChannelRef, Watchlist
from bot.store.sql import SqlStore

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def entry(minutes_ago: int, action: str, target: str = "", outcome: str = "ok") -> AuditEntry:
    return AuditEntry(at=NOW - timedelta(minutes=minutes_ago), platform="slack", channel="C1",
                      user_id="U1", action=action, target=target, detail="d",
                      outcome=outcome)  # type: ignore[arg-type]


async def test_audit_is_listed_newest_first_with_filters(store: SqlStore) -> None:
    for e in (entry(60 * 24 * 8, "subscribe", "SNOW"), entry(30, "watchlist.add", "watchlist:t"),
              entry(20, "feed.add", outcome="refused"), entry(10, "watchlist.remove",
                                                              "watchlist:t")):
        await store.add_audit(e)
    everything = await store.list_audit()
    assert [e.action for e in everything] == ["watchlist.remove", "feed.add", "watchlist.add",
                                              "subscribe"]
    assert everything[0].at == NOW - timedelta(minutes=10) and everything[0].id > 0
    assert everything[1].outcome == "refused"
    assert [e.action for e in await store.list_audit(limit=2)] == ["watchlist.remove",
                                                                   "feed.add"]
    week = await store.list_audit(since=NOW - timedelta(days=7))
    assert len(week) == 3
    about = await store.list_audit(target="watchlist:t")
    assert [e.action for e in about] == ["watchlist.remove", "watchlist.add"]


async def test_long_values_are_cut_to_their_columns(store: SqlStore) -> None:
    await store.add_audit(AuditEntry(at=NOW, platform="p" * 30, channel="c" * 200,
                                     user_id="u" * 200, action="a" * 80, target="t" * 3000,
                                     detail="x" * 5000, outcome="ok"))
    [stored] = await store.list_audit()
    assert (len(stored.platform), len(stored.channel), len(stored.action),
            len(stored.target)) == (20, 100, 40, 2048)


async def test_feed_admin_queries(store: SqlStore) -> None:
    url = "https://example.org/rss"
    assert await store.add_feed(url, interval_s=300, title="Beispiel", now=NOW)
    assert not await store.add_feed(url, interval_s=60, title="Anders", now=NOW)
    [health] = await store.feed_health()
    assert (health.feed.title, health.feed.interval_s, health.feed.next_poll_at,
            health.last_polled_at, health.created_at) == ("Beispiel", 300, NOW, None, NOW)
    assert await store.feed_health("https://other.example.org/") == []
    assert await store.set_feed_interval(url, interval_s=900)
    await store.record_feed_failure(health.feed.id, now=NOW, error="HTTP 500",
                                    next_poll_at=None, disable="gone")
    later = NOW + timedelta(hours=1)
    assert await store.enable_feed(url, now=later)
    [again] = await store.feed_health(url)
    assert (again.feed.disabled_reason, again.feed.error_count, again.last_error,
            again.feed.next_poll_at, again.feed.interval_s) == (None, 0, None, later, 900)
    assert not await store.enable_feed("https://other.example.org/", now=later)


async def test_delete_watchlist_and_count_subscribers(store: SqlStore) -> None:
    await store.upsert_watchlist(Watchlist("tech"), now=NOW)
    channel = await store.ensure_channel(ChannelRef("slack", "C1"), now=NOW)
    await store.subscribe(channel.id, ["watchlist:tech", "SNOW"], now=NOW)
    assert await store.count_subscribers("watchlist:tech") == 1
    assert await store.count_subscribers("watchlist:other") == 0
    assert await store.delete_watchlist("tech")
    assert not await store.delete_watchlist("tech")
    assert await store.list_watchlists() == []
