"""What a platform's refusal does to delivery: wait as told, pause a dead channel, back off
from a permanent error; nothing lost, nothing sent twice."""

from __future__ import annotations

import pytest

from bot.core.models import Caller, ChannelRef
from bot.errors import ChannelUnavailable, PermanentError, RateLimited
from tests.support.clock import FixedClock
from tests.support.feeds import Item, rss
from tests.test_cli import newsbot
from tests.test_service import FeedServer, make_app, server  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("server")


@pytest.mark.parametrize(
    ("error", "early", "later"),
    [
        (RateLimited("429", retry_after_s=30), 29, 31),
        (RateLimited("429", retry_after_s=0.2), 0, 2),  # never sooner than a second
        (PermanentError("invalid_auth"), 3599, 3601),
    ],
    ids=["retry-after", "retry-after-floor", "permanent-backs-off-an-hour"],
)
async def test_refused_send_waits_then_sends_once(
    server: tuple[FeedServer, str],  # noqa: F811
    db_url: str,
    clock: FixedClock,
    error: Exception,
    early: int,
    later: int,
) -> None:
    feeds, base = server
    feeds.publish(rss([Item("Snowflake legt zu", guid="s1", published=clock.now())]))
    app, adapter = await make_app(db_url, clock, base)
    try:
        await app.service.poll_due_feeds()
        adapter.fail_with = error  # type: ignore[assignment]
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "failed" and adapter.sent == []
        adapter.fail_with = None
        clock.advance(seconds=early)
        assert [o.status for o in await app.service.deliver_due()] in ([], ["held"])
        clock.advance(seconds=later - early)
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "sent" and len(adapter.sent) == 1
        assert await app.service.deliver_due() == []
    finally:
        await app.close()


async def test_unavailable_channel_pauses_until_used_again(
    server: tuple[FeedServer, str],  # noqa: F811
    db_url: str,
    clock: FixedClock,
) -> None:
    feeds, base = server
    feeds.publish(rss([Item("Snowflake legt zu", guid="s1", published=clock.now())]))
    app, adapter = await make_app(db_url, clock, base)
    try:
        await app.service.poll_due_feeds()
        adapter.fail_with = ChannelUnavailable("channel_not_found")
        [outcome] = await app.service.deliver_due()
        assert (outcome.status, outcome.error) == ("paused", "channel_not_found")
        adapter.fail_with = None
        clock.advance(hours=2)
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "paused" and adapter.sent == []
        [channel] = await app.store.list_channels()
        assert channel.paused == "channel_not_found"

        # someone uses the bot in that channel again: the pause ends, the story goes out once
        reply = await app.handle_command(Caller(channel=ChannelRef("console", "de"),
                                                user_id="u1", role="member"), "/news list")
        assert not reply.error
        [outcome] = await app.service.deliver_due()
        assert outcome.status == "sent" and len(adapter.sent) == 1
        assert await app.service.deliver_due() == []
    finally:
        await app.close()


async def test_status_shows_paused_channels(
    server: tuple[FeedServer, str],  # noqa: F811
    db_url: str,
    clock: FixedClock,
) -> None:
    _, base = server
    app, _ = await make_app(db_url, clock, base)
    try:
        [channel] = await app.store.list_channels()
        assert await app.store.set_channel_paused(channel.id, "is_archived")
        assert not await app.store.set_channel_paused(channel.id, "is_archived")  # once
    finally:
        await app.close()
    proc = newsbot("status", env={"NEWSBOT_DATABASE_URL": db_url})
    assert proc.returncode == 0, proc.stderr
    assert "channels: 1, paused: 1" in proc.stdout
    assert "console:de  paused: is_archived" in proc.stdout
