"""A server without working validators sends the same bytes every poll: the bot does not
parse them again (issue #9: skip parsing when the body hash is unchanged)."""

from __future__ import annotations

from typing import Any

from bot.app import build_app, sync_config
from bot.config import ChannelConfig, FeedConfig, FileConfig, Settings
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.support.httpserver import Route, serve
from tests.test_service import WATCHLIST


async def test_same_body_is_not_parsed_again(
    db_url: str, clock: FixedClock, parses: list[dict[str, Any]]
) -> None:
    first = rss([Item("Snowflake legt zu", guid="s1", published=clock.now())])
    second = rss([Item("Snowflake legt zu", guid="s1", published=clock.now()),
                  Item("Nvidia steigt", guid="n1", published=clock.now())])
    routes = {"/feed": Route(first)}
    with serve(routes) as server:  # no ETag, no Last-Modified: always 200
        adapter = RecordingAdapter()
        settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"])
        app = await build_app(settings, adapters={"console": adapter}, clock=clock)
        try:
            await sync_config(app.store, FileConfig(
                feeds=[FeedConfig(url=server.url("/feed"))], watchlists=[WATCHLIST],
                channels=[ChannelConfig(adapter="console", id="c", subscribe=["watchlist:tech"])],
            ), clock)
            [outcome] = await app.service.poll_due_feeds(force=True)
            assert outcome.status == "new" and len(parses) == 1
            [outcome] = await app.service.poll_due_feeds(force=True)
            assert outcome.status == "unchanged" and len(parses) == 1  # same bytes: no parse
            routes["/feed"] = Route(second)
            [outcome] = await app.service.poll_due_feeds(force=True)
            assert (outcome.status, outcome.new_entries) == ("new", 1) and len(parses) == 2
        finally:
            await app.close()
