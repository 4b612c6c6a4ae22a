"""A changed feed normalizes only the entries it has not stored (bench/scale.md: normalizing
was a third of a changed poll), and stores, baselines and routes exactly what normalizing
every entry gave. Each poll is checked against that reference (parse_feed →
dedupe_within_feed → known uids, known stories → select_baseline), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

import bot.feeds.normalize
from bot.app import App, build_app, sync_config
from bot.config import ChannelConfig, FeedConfig, FileConfig, Settings
from bot.core.dedupe import dedupe_within_feed, select_baseline
from bot.core.models import Article
from bot.feeds.normalize import RawEntry
from bot.feeds.parse import parse_feed
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.support.httpserver import Route, serve
from tests.test_service import WATCHLIST


def story(n: int, now: datetime, *, guid: str | None = "", link: bool = True,
          minutes: float | None = None, title: str = "") -> Item:
    """Entry `n` of an endless feed (a smaller n is newer); every fourth names Snowflake."""
    return Item(
        title or (f"Snowflake legt zu, Teil {n}" if n % 4 == 0 else f"Wetterbericht {n}"),
        guid=f"urn:story:{n}" if guid == "" else guid,
        link=f"https://ex.org/artikel/{n}" if link else None,
        description=f"Bericht Nummer {n} mit Einzelheiten.",
        published=now - timedelta(minutes=10 * n if minutes is None else minutes))


Polls = tuple[list[Item], list[Item]]


def window(now: datetime, **kwargs: Any) -> Polls:
    """50 entries, then the window moved by 3: a typical changed feed."""
    return ([story(n, now, **kwargs) for n in range(3, 53)],
            [story(n, now, **kwargs) for n in range(0, 50)])


def duplicate_guids(now: datetime) -> Polls:
    first, _ = window(now)
    second = [story(0, now), story(0, now, title="Snowflake, zweite Fassung"),
              *(story(n, now) for n in range(1, 50))]
    return first, second


def rotating_guids(now: datetime) -> Polls:
    # the same stories under new GUIDs, all sharing one link (RELIABILITY row 10), one new
    first = [story(n, now, guid=f"a-{n}", link=False) for n in range(1, 51)]
    second = [story(0, now, guid="b-0", link=False),
              *(story(n, now, guid=f"b-{n}", link=False) for n in range(1, 50))]
    return first, second


def mixed_dates(now: datetime) -> Polls:
    # the first poll's baseline: old, undated and future entries among recent ones
    first = [story(1, now, minutes=-600), story(2, now, minutes=60 * 30),
             replace(story(3, now), published=None), story(4, now, minutes=5),
             story(5, now, guid=None, link=False, minutes=50),
             story(6, now, minutes=60 * 23), story(7, now, minutes=60 * 25)]
    return first, [story(0, now, minutes=1), *first]


def titles(items: list[Item], numbers: range) -> list[str]:
    return [items[i].title for i in numbers]


# (polls, entries of the second poll that must be normalized: positions in its items, new)
CASES: list[tuple[str, Callable[[datetime], Polls], Callable[[list[Item]], list[str]], int]] = [
    ("guids-3-of-50", window, lambda second: titles(second, range(3)), 3),
    ("links-3-of-50", lambda now: window(now, guid=None),
     lambda second: titles(second, range(3)), 3),
    # no guid, no link: the content is the id, so every entry is normalized to know it
    ("content-uids-3-of-50", lambda now: window(now, guid=None, link=False),
     lambda second: titles(second, range(50)), 3),
    # the later entry with a repeated guid is dropped unnormalized
    ("duplicate-guid-keeps-first", duplicate_guids,
     lambda second: [second[0].title, second[2].title, second[3].title], 3),
    # every id is new: all are normalized for their content hashes, one story is news
    ("rotating-guids", rotating_guids, lambda second: titles(second, range(50)), 1),
    # the new entry, and the one known by its content only
    ("first-poll-baseline", mixed_dates, lambda second: [second[0].title, second[5].title], 1),
]


async def reference(app: App, body: bytes, now: datetime
                    ) -> tuple[list[Article], list[Article]]:
    """(stored, delivered) as the poll found them when it normalized every entry."""
    [feed] = await app.store.list_feeds()
    parsed = parse_feed(body, source=feed.url, content_type="application/rss+xml")
    articles = dedupe_within_feed(parsed.articles)
    known = await app.store.known_uids(feed.id, [a.uid for a in articles])
    fresh = [a for a in articles if a.uid not in known]
    repeated = await app.store.known_stories(feed.id, fresh) if feed.baselined else set()
    new = [a for a in fresh if a.uid not in repeated]
    if feed.baselined:
        return new, new
    settings = app.settings
    return new, list(select_baseline(new, now=now, limit=settings.baseline_items,
                                     window=timedelta(hours=settings.baseline_window_h)))


@pytest.mark.parametrize(("make", "must_build", "new_entries"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
async def test_changed_feed_normalizes_only_unknown_entries(
    make: Callable[[datetime], Polls], must_build: Callable[[list[Item]], list[str]],
    new_entries: int, store_url: str, clock: FixedClock, normalized: list[str],
) -> None:
    polls = make(clock.now())
    routes = {"/feed": Route(rss(polls[0]))}
    with serve(routes) as server:
        settings = Settings(database_url=store_url, fetch_allow_networks=["127.0.0.0/8"])
        app = await build_app(settings, adapters={"console": RecordingAdapter()}, clock=clock)
        try:
            await sync_config(app.store, FileConfig(
                feeds=[FeedConfig(url=server.url("/feed"))], watchlists=[WATCHLIST],
                channels=[ChannelConfig(adapter="console", id="c", subscribe=["watchlist:tech"])],
            ), clock)
            [channel] = await app.store.list_channels()
            for number, items in enumerate(polls):
                clock.advance(minutes=10)
                now = clock.now()
                body = rss(items)
                routes["/feed"] = Route(body)
                stored, delivered = await reference(app, body, now)
                normalized.clear()

                [outcome] = await app.service.poll_due_feeds(force=True)

                if number == 1:
                    assert sorted(normalized) == sorted(must_build(items))
                    assert len(stored) == new_entries
                assert len(normalized) == len(set(normalized))  # none normalized twice
                assert (outcome.status, outcome.new_entries) == ("new", len(stored))
                rows = await app.store.recent_articles(since=now)
                assert {a.uid: a for a in rows} == {a.uid: a for a in stored}
                want = (await app.service.load_routing()).route(delivered)
                claimed = await app.store.claim_deliveries(channel.id, owner="t", now=now)
                assert [(i.article.uid, i.matches) for i in claimed if i.created_at == now] == [
                    (r.article_uid, r.matches) for r in want]
                assert outcome.routed == len(want)
        finally:
            await app.close()


async def test_an_entry_that_fails_to_normalize_fails_its_poll_and_writes_nothing(
    store_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The unknown entries are normalized inside the poll's transaction (one on PostgreSQL):
    a failure there is the feed's parse error, and nothing of the poll is stored."""
    first, second = window(clock.now())
    routes = {"/feed": Route(rss(first))}
    with serve(routes) as server:
        settings = Settings(database_url=store_url, fetch_allow_networks=["127.0.0.0/8"])
        app = await build_app(settings, adapters={"console": RecordingAdapter()}, clock=clock)
        try:
            await sync_config(app.store, FileConfig(
                feeds=[FeedConfig(url=server.url("/feed"))]), clock)
            [outcome] = await app.service.poll_due_feeds(force=True)
            assert outcome.status == "new"
            real = bot.feeds.normalize.build_article

            def failing(entry: RawEntry, **kwargs: Any) -> Article:
                if entry.title == second[1].title:  # one of the three new entries
                    raise ValueError("surprise")
                return real(entry, **kwargs)

            monkeypatch.setattr(bot.feeds.normalize, "build_article", failing)
            routes["/feed"] = Route(rss(second))
            clock.advance(minutes=10)
            [outcome] = await app.service.poll_due_feeds(force=True)
            assert (outcome.status, outcome.error) == (
                "error", "cannot parse feed: ValueError: surprise")
            [feed] = await app.store.list_feeds()
            uids = [f"g:urn:story:{n}" for n in range(3)]
            assert await app.store.known_uids(feed.id, uids) == set()
            assert feed.error_count == 1
        finally:
            await app.close()
