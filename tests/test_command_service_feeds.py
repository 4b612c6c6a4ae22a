"""`/news feed …` against a real store (SQLite and PostgreSQL), with a fake fetch callable
(canned answers by URL) and the real network guard judging the URLs. The test through the real
fetcher and a loopback server is in tests/test_cli.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.errors import FetchError
from tests.support.clock import FixedClock
from tests.support.commands import FEED_URL, Env, command_env, ok
from tests.support.feeds import Item, rss


@pytest.fixture
async def env(store_url: str, clock: FixedClock) -> AsyncIterator[Env]:
    async with command_env(store_url, clock) as made:
        yield made


# --- feeds -------------------------------------------------------------------------------------


async def test_feed_add_fetches_once_and_reports_title_and_entries(env: Env) -> None:
    env.fetch.answers[FEED_URL] = ok(rss([Item("A", guid="1"), Item("B", guid="2")],
                                         title="Börse Test"))
    reply = await env.run(f"/news feed add {FEED_URL} 15m")
    assert reply.text == "Added feed “Börse Test”: 2 entries, polled every 15m."
    assert env.fetch.calls == [FEED_URL]
    [feed] = await env.store.list_feeds()
    assert (feed.url, feed.interval_s, feed.title, feed.baselined) == (FEED_URL, 900,
                                                                      "Börse Test", False)
    [entry] = await env.store.list_audit()
    assert (entry.action, entry.target, entry.outcome) == ("feed.add", FEED_URL, "ok")

    again = await env.run(f"/news feed add {FEED_URL}")
    assert again.text == f"The feed is already added: {FEED_URL}"
    again = await env.run(f"/news feed add {FEED_URL} 1h")
    assert again.text == "The feed is already added; it is now polled every 1h."
    assert env.fetch.calls == [FEED_URL]
    assert (await env.store.list_feeds())[0].interval_s == 3600


@pytest.mark.parametrize(("url", "answer", "reason"), [
    (FEED_URL, FetchError("HTTP 404 Not Found", transient=False, status=404),
     "HTTP 404 Not Found"),
    (FEED_URL, FetchError("connect timed out after 10 s", transient=True),
     "connect timed out after 10 s"),
    (FEED_URL, ok(b"<html><body>not a feed</body></html>"), ""),
    ("http://127.0.0.1:8080/feed.xml", None, "loopback"),
    ("http://2130706433/feed.xml", None, "loopback"),
    ("http://10.1.2.3/feed.xml", None, "private"),
    ("http://[::ffff:169.254.169.254]/latest", None, "link-local"),
], ids=["404", "timeout", "not-a-feed", "loopback", "decimal-loopback", "private",
        "mapped-metadata"])
async def test_feed_add_failure_stores_nothing(env: Env, url: str, answer: Any,
                                               reason: str) -> None:
    if answer is not None:
        env.fetch.answers[url] = answer
    reply = await env.run(f"/news feed add {url}")
    assert reply.error
    assert reply.text.startswith(f"Feed not added: {url}: ")
    assert reason in reply.text
    if answer is None:
        assert env.fetch.calls == []  # the guard refused before any fetch
    assert await env.store.list_feeds() == []
    [entry] = await env.store.list_audit()
    assert (entry.action, entry.outcome) == ("feed.add", "error")


async def test_feed_list_status_enable_remove(env: Env) -> None:
    now = env.clock.now()
    good = await env.store.upsert_feed("https://a.example.org/rss", interval_s=600, now=now)
    bad = await env.store.upsert_feed(FEED_URL, interval_s=90, now=now)
    await env.store.record_not_modified(good.id, now=now, next_poll_at=now + timedelta(minutes=10))
    # 410 Gone: disabled for good (no next poll)
    await env.store.record_feed_failure(bad.id, now=now, error="HTTP 410 Gone: the feed is gone",
                                        next_poll_at=None, disable="HTTP 410 Gone")

    listing = await env.run("/news feed list")
    assert listing.lines == (
        "2 feeds:",
        "• https://a.example.org/rss — https://a.example.org/rss · 10m · ok",
        f"• {FEED_URL} — {FEED_URL} · 90s · disabled: HTTP 410 Gone")
    status = await env.run(f"/news feed status {FEED_URL}", locale="de")
    assert status.lines == (
        f"{FEED_URL} — {FEED_URL}",
        "  alle 90s · letzter Abruf: 28.11., 09:30 · nächster Abruf: nie",
        "  gescheiterte Abrufe in Folge: 1",
        "  letzter Fehler: HTTP 410 Gone: the feed is gone",
        "  abgeschaltet: HTTP 410 Gone")
    assert len((await env.run("/news feed status")).lines) == 3 + 5
    assert (await env.run("/news feed status https://nope.example.org/")).error

    assert (await env.run("/news feed enable https://a.example.org/rss")).text.startswith(
        "The feed is not disabled")
    env.clock.advance(minutes=5)
    reply = await env.run(f"/news feed enable {FEED_URL}")
    assert reply.text == f"Feed enabled; it is polled again right away: {FEED_URL}"
    feed = next(f for f in await env.store.list_feeds() if f.url == FEED_URL)
    assert (feed.disabled_reason, feed.error_count, feed.next_poll_at) == (None, 0,
                                                                         env.clock.now())

    assert (await env.run(f"/news feed remove {FEED_URL}")).text == (
        f"Removed feed {FEED_URL} and its stored entries.")
    assert [f.url for f in await env.store.list_feeds()] == ["https://a.example.org/rss"]
    assert (await env.run(f"/news feed remove {FEED_URL}")).error
    actions = [(e.action, e.outcome) for e in reversed(await env.store.list_audit())]
    assert actions == [("feed.enable", "ok"), ("feed.remove", "ok"), ("feed.remove", "error")]
