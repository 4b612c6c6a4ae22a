"""The Slack adapter with the real slack_bolt/slack_sdk against a fake Slack Web API on
127.0.0.1 (tests/support/fake_slack.py): signed slash commands in HTTP mode, Socket Mode
envelopes, roles from users.info, delivery of a polled story, rate limits and channel
errors."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from adapters.slack.adapter import SlackAdapter, redact
from adapters.slack.render import message_violations
from bot.app import App, build_app, load_adapter
from bot.config import FeedConfig, FileConfig, Settings
from bot.core.models import ChannelRef, Digest, DigestGroup, DigestItem
from bot.errors import ChannelUnavailable, InputError, PermanentError, RateLimited
from tests.support.clock import FixedClock
from tests.support.fake_slack import (
    ADMIN_ID,
    APP_TOKEN,
    BOT_TOKEN,
    CHANNEL_ID,
    SIGNING_SECRET,
    FakeSlack,
    error,
    rate_limited,
    signed_command,
)
from tests.support.feeds import Item, rss

CHANNEL = ChannelRef("slack", CHANNEL_ID)


@pytest.fixture
def fake(fake_slack: FakeSlack) -> FakeSlack:
    return fake_slack


def slack_settings(fake: FakeSlack, db_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url, "slack_bot_token": SecretStr(BOT_TOKEN),
        "slack_signing_secret": SecretStr(SIGNING_SECRET),
        "slack_app_token": SecretStr(APP_TOKEN), "slack_mode": "http",
        "slack_api_url": fake.api_url, "http_host": "127.0.0.1", "http_port": 0,
        "fetch_allow_networks": ["127.0.0.0/8"], **extra}
    return Settings(**values)


async def make_app(fake: FakeSlack, db_url: str, clock: FixedClock, **extra: Any
                   ) -> tuple[App, SlackAdapter]:
    settings = slack_settings(fake, db_url, **extra)
    adapter = SlackAdapter(settings, min_interval_s=0.2)
    bot = await build_app(settings, adapters={"slack": adapter}, clock=clock)
    await adapter.start(bot.handle_command)
    return bot, adapter


@pytest.fixture
async def http_app(fake: FakeSlack, db_url: str, clock: FixedClock
                   ) -> AsyncIterator[tuple[App, SlackAdapter]]:
    bot, adapter = await make_app(fake, db_url, clock)
    yield bot, adapter
    await bot.close()


async def post_command(adapter: SlackAdapter, body: str, headers: dict[str, str]
                       ) -> tuple[int, str, float]:
    started = time.monotonic()
    async with aiohttp.ClientSession() as session, session.post(
            f"http://127.0.0.1:{adapter.port}/slack/events", data=body,
            headers=headers) as response:
        return response.status, await response.text(), time.monotonic() - started


def said(ack_body: str) -> str:
    """The text of an ack's answer (empty for an empty ack)."""
    return str(json.loads(ack_body)["text"]) if ack_body else ""


def test_load_adapter_knows_slack() -> None:
    assert load_adapter("slack").name == "slack"


# --- acceptance 1: signed slash commands over HTTP -------------------------------------------


async def test_signed_subscribe_is_acked_with_the_answer(
    fake: FakeSlack, http_app: tuple[App, SlackAdapter]
) -> None:
    bot, adapter = http_app
    status, text, elapsed = await post_command(adapter, *signed_command("subscribe SNOW", fake))
    assert status == 200 and elapsed < 3
    answer = json.loads(text)
    assert answer["response_type"] == "ephemeral"
    assert "SNOW" in answer["text"]
    channel = await bot.store.get_channel(CHANNEL)
    assert channel is not None and "SNOW" in channel.subscriptions
    # the caller's role was asked of users.info with the bot token
    [info] = fake.calls_to("users.info")
    assert info.headers["Authorization"] == f"Bearer {BOT_TOKEN}"


@pytest.mark.parametrize("bad", ["wrong-secret", "stale"])
async def test_bad_signature_or_stale_timestamp_is_401_and_runs_nothing(
    fake: FakeSlack, http_app: tuple[App, SlackAdapter], bad: str
) -> None:
    bot, adapter = http_app
    if bad == "wrong-secret":
        body, headers = signed_command("subscribe SNOW", fake, secret="not-the-secret")
    else:
        body, headers = signed_command("subscribe SNOW", fake, age_s=6 * 60)
    status, _, _ = await post_command(adapter, body, headers)
    assert status == 401
    assert fake.calls == []  # no auth.test, users.info or response
    assert await bot.store.get_channel(CHANNEL) is None


async def test_healthz(http_app: tuple[App, SlackAdapter]) -> None:
    _, adapter = http_app
    async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{adapter.port}/healthz") as response:
        assert response.status == 200


async def test_slow_command_is_acked_then_answered_via_response_url(
    fake: FakeSlack, http_app: tuple[App, SlackAdapter]
) -> None:
    _, adapter = http_app
    status, text, elapsed = await post_command(adapter, *signed_command("summary 7d", fake))
    assert status == 200 and elapsed < 3
    assert text == ""  # an empty ack
    [answer] = await fake.wait_for(lambda: fake.responses)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"]


async def test_member_refused_admin_allowed_and_failure_fails_closed(
    fake: FakeSlack, http_app: tuple[App, SlackAdapter]
) -> None:
    bot, adapter = http_app
    status, text, _ = await post_command(adapter, *signed_command("watchlist create tech", fake))
    assert status == 200 and said(text).startswith("⚠")
    assert await bot.store.list_watchlists() == []

    # users.info fails for the admin: role unknown, refused
    fake.fail_next("users.info", error("internal_error"))
    _, text, _ = await post_command(
        adapter, *signed_command("watchlist create tech", fake, user_id=ADMIN_ID))
    assert said(text).startswith("⚠")
    assert await bot.store.list_watchlists() == []

    _, text, _ = await post_command(
        adapter, *signed_command("watchlist create tech", fake, user_id=ADMIN_ID))
    assert said(text) and not said(text).startswith("⚠")
    assert [w.name for w in await bot.store.list_watchlists()] == ["tech"]


async def test_configured_admin_id_is_admin_without_users_info(
    fake: FakeSlack, db_url: str, clock: FixedClock
) -> None:
    bot, adapter = await make_app(fake, db_url, clock, admin_ids=["U0MEMBER"])
    try:
        fake.fail_next("users.info", error("internal_error"))
        _, text, _ = await post_command(adapter, *signed_command("watchlist create tech", fake))
        assert said(text) and not said(text).startswith("⚠")
    finally:
        await bot.close()


# --- acceptance 2: Socket Mode -----------------------------------------------------------------


async def test_socket_mode_envelope_is_acked_and_effective(
    fake: FakeSlack, db_url: str, clock: FixedClock
) -> None:
    bot, _ = await make_app(fake, db_url, clock, slack_mode="socket")
    try:
        [opened] = fake.calls_to("apps.connections.open")
        assert opened.headers["Authorization"] == f"Bearer {APP_TOKEN}"
        envelope = await fake.push_slash_command("subscribe NVDA")
        [ack] = await fake.wait_for(
            lambda: [a for a in fake.acks if a.get("envelope_id") == envelope])
        assert "NVDA" in ack["payload"]["text"]
        assert ack["payload"]["response_type"] == "ephemeral"
        channel = await bot.store.get_channel(CHANNEL)
        assert channel is not None and "NVDA" in channel.subscriptions
    finally:
        await bot.close()


async def test_socket_mode_without_app_token_is_a_clear_error(
    fake: FakeSlack, db_url: str
) -> None:
    settings = slack_settings(fake, db_url, slack_mode="socket", slack_app_token=None)

    async def handler(*_: Any) -> Any:
        raise AssertionError

    with pytest.raises(InputError, match="NEWSBOT_SLACK_APP_TOKEN"):
        await SlackAdapter(settings).start(handler)


# --- acceptance 3: a polled story reaches the channel once -----------------------------------


async def feed_site(body: bytes) -> tuple[web.AppRunner, str]:
    async def handle(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/rss+xml")

    web_app = web.Application()
    web_app.router.add_get("/feed", handle)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/feed"


async def test_subscribed_story_is_posted_once_with_valid_blocks(
    fake: FakeSlack, http_app: tuple[App, SlackAdapter], clock: FixedClock
) -> None:
    from bot.app import run_once, sync_config

    bot, adapter = http_app
    # escaped once more: the feed's text (after HTML stripping) holds the raw "<!channel>"
    story = Item("Snowflake (NYSE: SNOW) jumps &lt;!channel&gt; &lt;@U123&gt; "
                 "&lt;https://evil.example|bank&gt;", guid="s1",
                 link="https://example.org/snow?a=1&b=2", published=clock.now(),
                 description="Snowflake beat estimates. &lt;!here&gt; &amp;amp; more")
    runner, url = await feed_site(rss([story], lang="en"))
    try:
        status, _, _ = await post_command(adapter, *signed_command("subscribe SNOW", fake))
        assert status == 200
        await sync_config(bot.store, FileConfig(feeds=[FeedConfig(url=url)]), clock)
        polls, deliveries = await run_once(bot)
        assert [d.status for d in deliveries] == ["sent"], (polls, deliveries)
        [post] = fake.posts()
        body = post.body
        assert post.headers["Authorization"] == f"Bearer {BOT_TOKEN}"
        assert body["channel"] == CHANNEL_ID
        assert message_violations(body) == []
        assert body["unfurl_links"] is False and body["unfurl_media"] is False
        assert "link_names" not in body and "parse" not in body
        dumped = json.dumps(body)
        for live in ("<!channel>", "<@U123>", "<https://evil", "<!here>"):
            assert live not in dumped
        assert "&lt;!channel&gt;" in dumped
        assert "<https://example.org/snow?a=1&amp;b=2|" in dumped
        await run_once(bot)  # a second pass sends nothing more
        assert len(fake.posts()) == 1
    finally:
        await runner.cleanup()


# --- acceptance 4: 429 and permanent errors ---------------------------------------------------

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def digest_of(count: int) -> Digest:
    items = tuple(DigestItem(title=f"Nvidia story {n}", link=f"https://example.org/n{n}",
                             source="Wire", published=NOW, summary="Up. " * 100,
                             summary_lang="en", key="NVDA", uid=f"n{n}") for n in range(count))
    return Digest(lang="en", timezone="UTC", generated_at=NOW, instant=True,
                  groups=(DigestGroup(key="NVDA", kind="ticker", items=items),))


async def test_429_raises_rate_limited_and_posts_nothing_twice(
    fake: FakeSlack, http_app: tuple[App, SlackAdapter]
) -> None:
    _, adapter = http_app
    fake.fail_next("chat.postMessage", rate_limited(2))
    with pytest.raises(RateLimited) as info:
        await adapter.send_digest(CHANNEL_ID, digest_of(1))
    assert info.value.retry_after_s == 2.0
    assert len(fake.posts()) == 1  # the refused one: no blind re-POST
    assert CHANNEL_ID not in fake.messages
    await adapter.send_digest(CHANNEL_ID, digest_of(1))  # the service's later re-send
    assert len(fake.messages[CHANNEL_ID]) == 1


async def test_split_digest_continues_its_thread_after_a_429(
    fake: FakeSlack, http_app: tuple[App, SlackAdapter]
) -> None:
    _, adapter = http_app
    digest = digest_of(25)  # 3 messages: a parent and two thread replies
    fake.fail_at("chat.postMessage", 2, rate_limited(1))  # the first reply is refused
    with pytest.raises(RateLimited):
        await adapter.send_digest(CHANNEL_ID, digest)
    assert len(fake.messages[CHANNEL_ID]) == 1
    await adapter.send_digest(CHANNEL_ID, digest)
    sent = fake.messages[CHANNEL_ID]
    assert len(sent) == 3
    parent = sent[0]["ts"]
    assert "thread_ts" not in sent[0]
    assert [m.get("thread_ts") for m in sent[1:]] == [parent, parent]
    assert all(message_violations(m) == [] for m in sent)


@pytest.mark.parametrize("name", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_gone_channel_is_unavailable(fake: FakeSlack, http_app: tuple[App, SlackAdapter],
                                           name: str) -> None:
    _, adapter = http_app
    fake.fail_next("chat.postMessage", error(name))
    with pytest.raises(ChannelUnavailable):
        await adapter.send_digest(CHANNEL_ID, digest_of(1))


@pytest.mark.parametrize("name", ["invalid_auth", "account_inactive"])
async def test_auth_errors_are_permanent(fake: FakeSlack, http_app: tuple[App, SlackAdapter],
                                         name: str) -> None:
    _, adapter = http_app
    fake.fail_next("chat.postMessage", error(name))
    with pytest.raises(PermanentError) as info:
        await adapter.send_notice(CHANNEL_ID, "hello")
    assert not isinstance(info.value, ChannelUnavailable)


async def test_posts_to_one_channel_are_paced(fake: FakeSlack,
                                              http_app: tuple[App, SlackAdapter]) -> None:
    _, adapter = http_app  # min_interval_s=0.2 in these tests
    for n in range(3):
        await adapter.send_notice(CHANNEL_ID, f"notice {n} <!channel>")
    times = [c.at for c in fake.posts()]
    assert all(b - a >= 0.18 for a, b in itertools.pairwise(times))
    assert all("<!channel>" not in c.body["text"] for c in fake.posts())


def test_redact_masks_tokens_and_response_urls() -> None:
    line = (f"token={BOT_TOKEN} app={APP_TOKEN} 'response_url': 'http://x/r/1' "
            "url: http://127.0.0.1:1/commands/T0001/42/abcSECRET, "
            "response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1 "
            "https://hooks.slack.com/commands/T1/2/abc")
    masked = redact(line)
    assert "SECRET" not in masked and "/r/1" not in masked
    assert "hooks.slack.com/commands" not in masked and "%2Fcommands" not in masked


def test_manifest_asks_for_minimal_scopes() -> None:
    import yaml

    path = Path(__file__).resolve().parents[3] / "adapters" / "slack" / "manifest.yml"
    manifest = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "chat:write", "chat:write.public", "commands", "users:read"]
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/news"
    assert "event_subscriptions" not in manifest.get("settings", {})


async def subscribed_with_story(fake: FakeSlack, bot: App, adapter: SlackAdapter,
                                clock: FixedClock) -> web.AppRunner:
    from bot.app import sync_config

    story = Item("Snowflake (NYSE: SNOW) jumps", guid="s1", link="https://example.org/snow",
                 published=clock.now())
    runner, url = await feed_site(rss([story], lang="en"))
    status, _, _ = await post_command(adapter, *signed_command("subscribe SNOW", fake))
    assert status == 200
    await sync_config(bot.store, FileConfig(feeds=[FeedConfig(url=url)]), clock)
    return runner


async def test_service_reschedules_after_429_and_pauses_a_gone_channel(
    fake: FakeSlack, http_app: tuple[App, SlackAdapter], clock: FixedClock
) -> None:
    """Through the real service: a 429 leaves the story pending (one refused POST, nothing
    re-posted), the next pass after Retry-After sends it once; channel_not_found pauses."""
    from bot.app import run_once

    bot, adapter = http_app
    runner = await subscribed_with_story(fake, bot, adapter, clock)
    try:
        fake.fail_next("chat.postMessage", rate_limited(2))
        _, deliveries = await run_once(bot)
        assert [d.status for d in deliveries] == ["failed"]
        assert len(fake.posts()) == 1 and CHANNEL_ID not in fake.messages
        clock.advance(seconds=3)
        _, deliveries = await run_once(bot)
        assert [d.status for d in deliveries] == ["sent"]
        assert len(fake.messages[CHANNEL_ID]) == 1
    finally:
        await runner.cleanup()


async def test_service_pauses_a_channel_slack_says_is_gone(
    fake: FakeSlack, http_app: tuple[App, SlackAdapter], clock: FixedClock
) -> None:
    from bot.app import run_once

    bot, adapter = http_app
    runner = await subscribed_with_story(fake, bot, adapter, clock)
    try:
        fake.fail_next("chat.postMessage", error("channel_not_found"))
        _, deliveries = await run_once(bot)
        assert [d.status for d in deliveries] == ["paused"]
        channel = await bot.store.get_channel(CHANNEL)
        assert channel is not None and channel.paused
        assert CHANNEL_ID not in fake.messages
    finally:
        await runner.cleanup()


async def test_slow_answer_of_a_quick_command_is_acked_in_time(fake: FakeSlack,
                                                               db_url: str) -> None:
    """Fault 18: a command that is not expected to be slow (a locked database) is still
    acked within the deadline and answered through the response_url."""
    import asyncio

    from bot.core.models import Caller, Reply

    settings = slack_settings(fake, db_url)
    adapter = SlackAdapter(settings, ack_within_s=0.3)

    async def slow(caller: Caller, text: str) -> Reply:
        await asyncio.sleep(1.0)
        return Reply(lines=(f"done: {text} <!channel>",))

    await adapter.start(slow)
    try:
        status, text, elapsed = await post_command(adapter, *signed_command("list", fake))
        assert status == 200 and text == "" and elapsed < 1.0
        [answer] = await fake.wait_for(lambda: fake.responses)
        assert answer["text"] == "done: /news list &lt;!channel&gt;"
        assert answer["response_type"] == "ephemeral"
    finally:
        await adapter.stop()
