"""RELIABILITY row 10: a feed that gives the same story a new GUID on every fetch does not
re-post it; a feed that gives every entry the same link still delivers each new story."""

from __future__ import annotations

from bot.app import build_app, sync_config
from bot.config import ChannelConfig, FeedConfig, FileConfig, Settings
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.support.httpserver import Route, serve
from tests.test_service import WATCHLIST


async def test_rotating_guids_and_shared_links(db_url: str, clock: FixedClock) -> None:
    def feed(guid_suffix: str, *titles: str) -> bytes:
        return rss([Item(title, guid=f"{i}-{guid_suffix}", link="https://ex.org/",
                         description=f"{title}: details.", published=clock.now())
                    for i, title in enumerate(titles)])

    routes = {"/feed": Route(feed("a", "Snowflake legt zu"))}
    with serve(routes) as server:
        adapter = RecordingAdapter()
        settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"])
        app = await build_app(settings, adapters={"console": adapter}, clock=clock)
        try:
            await sync_config(app.store, FileConfig(
                feeds=[FeedConfig(url=server.url("/feed"))], watchlists=[WATCHLIST],
                channels=[ChannelConfig(adapter="console", id="c", subscribe=["watchlist:tech"])],
            ), clock)
            await app.service.poll_due_feeds(force=True)
            await app.service.deliver_due(force=True)
            assert len(adapter.sent) == 1

            # same story, new GUID (and the same shared link): not news
            routes["/feed"] = Route(feed("b", "Snowflake legt zu"))
            [outcome] = await app.service.poll_due_feeds(force=True)
            assert outcome.new_entries == 0
            # a new story with the same shared link: news
            routes["/feed"] = Route(feed("c", "Snowflake legt zu", "Nvidia steigt"))
            [outcome] = await app.service.poll_due_feeds(force=True)
            assert outcome.new_entries == 1
            await app.service.deliver_due(force=True)
            assert len(adapter.sent) == 2
            [(_, digest)] = adapter.sent[1:]
            assert [i.title for g in digest.groups for i in g.items] == ["Nvidia steigt"]
        finally:
            await app.close()
