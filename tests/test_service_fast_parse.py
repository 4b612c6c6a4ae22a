"""NEWSBOT_FAST_PARSE reaches the poll path: the poller parses with the fast path unless the
setting turns it off (issue #9), and either way the same stories come out."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import build_app, sync_config
from bot.config import ChannelConfig, FeedConfig, FileConfig, Settings
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.support.httpserver import Route, serve
from tests.test_service import WATCHLIST


@pytest.mark.parametrize(("env", "fast"), [(None, True), ("false", False), ("true", True)],
                         ids=["default", "off", "on"])
async def test_poll_parses_as_the_setting_says(
    env: str | None, fast: bool, db_url: str, clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch, parses: list[dict[str, Any]],
) -> None:
    if env is not None:
        monkeypatch.setenv("NEWSBOT_FAST_PARSE", env)
    body = rss([Item("Snowflake legt zu", guid="s1", published=clock.now()),
                Item("Nvidia steigt", guid="n1", published=clock.now())])
    with serve({"/feed": Route(body)}) as server:
        settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"])
        assert settings.fast_parse is fast
        adapter = RecordingAdapter()
        app = await build_app(settings, adapters={"console": adapter}, clock=clock)
        try:
            await sync_config(app.store, FileConfig(
                feeds=[FeedConfig(url=server.url("/feed"))], watchlists=[WATCHLIST],
                channels=[ChannelConfig(adapter="console", id="c", subscribe=["watchlist:tech"])],
            ), clock)
            [outcome] = await app.service.poll_due_feeds(force=True)
        finally:
            await app.close()
    assert [call["fast"] for call in parses] == [fast]
    assert (outcome.status, outcome.new_entries) == ("new", 2)
