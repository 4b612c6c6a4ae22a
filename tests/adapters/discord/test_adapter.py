"""The Discord adapter with the real discord.py against a fake Discord on 127.0.0.1
(tests/support/fake_discord.py): login and gateway, command upload, slash commands through
the real command service, delivery of a polled story, rate limits and channel errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from aiohttp import web
from pydantic import SecretStr

from adapters.discord.adapter import DiscordAdapter, minimal_intents
from adapters.discord.render import LIMITS, payload_violations
from bot.app import App, build_app, load_adapter
from bot.config import FeedConfig, FileConfig, Settings
from bot.core.models import ChannelRef, Digest, DigestGroup, DigestItem
from bot.errors import ChannelUnavailable, RateLimited
from tests.support.clock import FixedClock
from tests.support.fake_discord import (
    APP_ID,
    CHANNEL_ID,
    MANAGE_GUILD,
    TOKEN,
    FakeDiscord,
    group,
    sub,
)
from tests.support.feeds import Item, rss

CHANNEL = ChannelRef("discord", CHANNEL_ID)
MESSAGES = f"/channels/{CHANNEL_ID}/messages"


@pytest.fixture(autouse=True)
def _restore_endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # the adapter points discord.py's class attributes at the fake: undo that after each test
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    yield


@pytest.fixture
def fake(fake_discord: FakeDiscord) -> FakeDiscord:
    return fake_discord


def discord_settings(fake: FakeDiscord, db_url: str, **extra: Any) -> Settings:
    return Settings(database_url=db_url, discord_token=SecretStr(TOKEN),
                    discord_api_base=fake.api_base, discord_gateway_url=fake.gateway_url,
                    fetch_allow_networks=["127.0.0.0/8"], **extra)


@pytest.fixture
async def app(fake: FakeDiscord, db_url: str, clock: FixedClock) -> AsyncIterator[App]:
    settings = discord_settings(fake, db_url)
    adapter = DiscordAdapter(settings, guild_ready_timeout=0.1)
    bot = await build_app(settings, adapters={"discord": adapter}, clock=clock)
    await adapter.start(bot.handle_command, suggest=bot.suggest)
    await adapter.wait_until_ready()
    yield bot
    await bot.close()


def the_adapter(bot: App) -> DiscordAdapter:
    adapter = bot.adapters["discord"]
    assert isinstance(adapter, DiscordAdapter)
    return adapter


# --- acceptance 1: login, IDENTIFY, READY, command upload ------------------------------------


async def test_login_identify_ready_and_commands_uploaded(fake: FakeDiscord, app: App) -> None:
    assert fake.calls_to("GET", "/users/@me")[0].headers["Authorization"] == f"Bot {TOKEN}"
    [identify] = fake.identify
    assert identify["intents"] == minimal_intents().value
    assert not discord.Intents._from_value(identify["intents"]).message_content
    assert not (minimal_intents().members or minimal_intents().presences)
    client = the_adapter(app).client
    assert client is not None and client.is_ready()

    [upload] = fake.calls_to("PUT", f"/applications/{APP_ID}/commands")
    [news] = upload.json
    assert news["name"] == "news"
    options = {o["name"]: o for o in news["options"]}
    assert set(options) == {"subscribe", "unsubscribe", "list", "summary", "why", "help",
                            "settings", "watchlist", "feed"}
    assert options["subscribe"]["options"] == [
        {"type": 3, "name": "targets", "description": "e.g. NVDA DEEPSEEK watchlist:tech",
         "required": True, "autocomplete": True,
         "description_localizations": {"de": "z. B. NVDA DEEPSEEK watchlist:tech"}}]
    # German descriptions for German clients; names stay as the grammar spells them
    assert news["description_localizations"]["de"].startswith("Nachrichten-Alarme")
    assert options["feed"]["description_localizations"] == {"de": "Feeds (Admins)"}
    assert all(not o.get("name_localizations") for o in news["options"])
    window = {o["name"]: o for o in options["summary"]["options"]}["window"]
    assert [c["value"] for c in window["choices"]] == ["24h", "7d"]
    assert options["settings"]["type"] == 2
    assert {o["name"] for o in options["watchlist"]["options"]} >= {
        "create", "delete", "show", "add", "remove"}
    assert {o["name"] for o in options["feed"]["options"]} == {
        "add", "remove", "list", "status", "enable"}


async def test_load_adapter_knows_discord() -> None:
    assert load_adapter("discord").name == "discord"


# --- acceptance 2: slash commands -----------------------------------------------------------


def callbacks(fake: FakeDiscord, interaction_id: str) -> list[Any]:
    return [c.json for c in fake.calls_to("POST", "/callback")
            if f"/interactions/{interaction_id}/" in c.path]


async def test_subscribe_is_answered_quickly_and_stored(fake: FakeDiscord, app: App) -> None:
    started = datetime.now(UTC)
    iid = await fake.push_interaction([sub("subscribe", targets="NVDA")])
    [answer] = await fake.wait_for(lambda: callbacks(fake, iid))
    assert (datetime.now(UTC) - started).total_seconds() < 3
    assert answer["type"] == 4  # answered directly, not deferred
    assert "NVDA" in answer["data"]["content"]
    assert answer["data"]["flags"] & 64  # ephemeral: personal output
    assert answer["data"]["allowed_mentions"] == {"parse": []}
    channel = await app.store.get_channel(CHANNEL)
    assert channel is not None and "NVDA" in channel.subscriptions


async def test_german_guild_gets_german_replies(fake: FakeDiscord, app: App) -> None:
    iid = await fake.push_interaction([sub("subscribe", targets="NVDA")], locale="de",
                                      guild_locale="de")
    [answer] = await fake.wait_for(lambda: callbacks(fake, iid))
    assert answer["data"]["content"].startswith("Abonniert: NVDA")


async def test_member_is_refused_admin_commands(fake: FakeDiscord, app: App) -> None:
    iid = await fake.push_interaction([group("watchlist", sub("create", name="tech"))])
    [answer] = await fake.wait_for(lambda: callbacks(fake, iid))
    assert answer["data"]["content"].startswith("⚠")
    assert await app.store.list_watchlists() == []

    iid = await fake.push_interaction(
        [group("watchlist", sub("add", name="tech", kind="ticker", key="NVDA"))])
    [answer] = await fake.wait_for(lambda: callbacks(fake, iid))
    assert answer["data"]["content"].startswith("⚠")
    assert await app.store.list_watchlists() == []

    # with Manage Guild the same command goes through
    iid = await fake.push_interaction([group("watchlist", sub("create", name="tech"))],
                                      permissions=MANAGE_GUILD)
    [answer] = await fake.wait_for(lambda: callbacks(fake, iid))
    assert not answer["data"]["content"].startswith("⚠")
    assert [w.name for w in await app.store.list_watchlists()] == ["tech"]


async def test_slow_command_is_deferred_then_followed_up(fake: FakeDiscord, app: App) -> None:
    iid = await fake.push_interaction([sub("summary", window="7d")])
    [answer] = await fake.wait_for(lambda: callbacks(fake, iid))
    assert answer["type"] == 5  # deferred ("thinking")
    token = f"itoken-{iid}"
    follow = await fake.wait_for(
        lambda: [c for c in fake.calls if f"/webhooks/{APP_ID}/{token}" in c.path])
    assert follow[0].json["allowed_mentions"] == {"parse": []}


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
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/feed"


async def test_subscribed_story_is_posted_once_within_limits(
    fake: FakeDiscord, app: App, clock: FixedClock
) -> None:
    from bot.app import run_once, sync_config

    story = Item("Nvidia shares jump after earnings @everyone <@&1>", guid="n1",
                 link="https://example.org/nvda", published=clock.now(),
                 description="Nvidia (NVDA) beat estimates. <@123> @here")
    runner, url = await feed_site(rss([story], lang="en"))
    try:
        iid = await fake.push_interaction([sub("subscribe", targets="NVDA")])
        await fake.wait_for(lambda: callbacks(fake, iid))
        await sync_config(app.store, FileConfig(feeds=[FeedConfig(url=url)]), clock)
        await run_once(app)
        [post] = fake.posts_to(CHANNEL_ID)
        body = post.json
        assert body["allowed_mentions"] == {"parse": []}
        assert body["enforce_nonce"] is True and len(body["nonce"]) <= 25
        assert payload_violations(body) == []
        assert 1 <= len(body["embeds"]) <= LIMITS.embeds
        [field] = body["embeds"][0]["fields"]
        assert field["name"].startswith("Nvidia shares jump")
        assert "@everyone" not in field["name"] and "<@&1>" not in field["name"]
        assert body["embeds"][0]["title"] == "NVDA"
        # a second pass sends nothing more
        await run_once(app)
        assert len(fake.posts_to(CHANNEL_ID)) == 1
    finally:
        await runner.cleanup()


# --- acceptance 4: 429 and 403 ----------------------------------------------------------------

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
DIGEST = Digest(lang="en", timezone="UTC", generated_at=NOW, instant=True, groups=(
    DigestGroup(key="NVDA", kind="ticker", items=(DigestItem(
        title="Nvidia up", link="https://example.org/n", source="Wire", published=NOW,
        summary="Up.", summary_lang="en", key="NVDA", uid="n1"),)),))


@pytest.mark.parametrize("is_global", [False, True], ids=["route", "global"])
async def test_429_is_waited_once_then_posted_once(fake: FakeDiscord, app: App,
                                                   is_global: bool) -> None:
    fake.fail_next(MESSAGES, fake.rate_limited(0.4, is_global=is_global))
    await the_adapter(app).send_digest(CHANNEL_ID, DIGEST)
    first, second = fake.posts_to(CHANNEL_ID)
    assert second.at - first.at >= 0.35
    assert first.json["nonce"] == second.json["nonce"]
    assert len(fake.messages[CHANNEL_ID]) == 1


async def test_long_429_surfaces_rate_limited(fake: FakeDiscord, app: App) -> None:
    fake.fail_next(MESSAGES, fake.rate_limited(120.0))
    with pytest.raises(RateLimited) as info:
        await the_adapter(app).send_digest(CHANNEL_ID, DIGEST)
    assert info.value.retry_after_s == pytest.approx(120.0)
    assert CHANNEL_ID not in fake.messages


@pytest.mark.parametrize("status", [403, 404])
async def test_forbidden_or_missing_channel_is_unavailable(
    fake: FakeDiscord, app: App, status: int
) -> None:
    from tests.support.fake_discord import Injected

    fake.fail_next(MESSAGES, Injected(status, {"message": "Missing Access", "code": 50001}))
    with pytest.raises(ChannelUnavailable):
        await the_adapter(app).send_digest(CHANNEL_ID, DIGEST)


async def test_forbidden_channel_pauses_its_deliveries(
    fake: FakeDiscord, app: App, clock: FixedClock
) -> None:
    from bot.app import run_once, sync_config
    from tests.support.fake_discord import Injected

    story = Item("Nvidia shares jump", guid="n1", link="https://example.org/nvda",
                 published=clock.now())
    runner, url = await feed_site(rss([story], lang="en"))
    try:
        iid = await fake.push_interaction([sub("subscribe", targets="NVDA")])
        await fake.wait_for(lambda: callbacks(fake, iid))
        await sync_config(app.store, FileConfig(feeds=[FeedConfig(url=url)]), clock)
        fake.fail_next(MESSAGES, Injected(403, {"message": "Missing Access", "code": 50001}))
        _, deliveries = await run_once(app)
        assert [d.status for d in deliveries] == ["paused"]
        channel = await app.store.get_channel(CHANNEL)
        assert channel is not None and channel.paused
        assert CHANNEL_ID not in fake.messages
    finally:
        await runner.cleanup()


async def test_retried_delivery_reuses_the_nonce(fake: FakeDiscord, app: App) -> None:
    adapter = the_adapter(app)
    await adapter.send_digest(CHANNEL_ID, DIGEST)
    # the same delivery rebuilt later (another build time) after a crash before "sent"
    later = Digest(lang=DIGEST.lang, timezone=DIGEST.timezone, groups=DIGEST.groups,
                   generated_at=datetime(2026, 11, 28, 9, 31, tzinfo=UTC), instant=True)
    await adapter.send_digest(CHANNEL_ID, later)
    assert len(fake.posts_to(CHANNEL_ID)) == 2
    assert len(fake.messages[CHANNEL_ID]) == 1


async def test_notice_is_posted_without_mentions(fake: FakeDiscord, app: App) -> None:
    await the_adapter(app).send_notice(CHANNEL_ID, "Feed paused @everyone")
    [post] = fake.posts_to(CHANNEL_ID)
    assert post.json["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in post.json["content"]


def test_start_without_token_is_a_clear_error(tmp_path: Path) -> None:
    import asyncio

    from bot.errors import InputError

    adapter = DiscordAdapter(Settings(database_url=f"sqlite:///{tmp_path}/x.db"))

    async def handler(*_: Any) -> Any:
        raise AssertionError

    with pytest.raises(InputError, match="NEWSBOT_DISCORD_TOKEN"):
        asyncio.run(adapter.start(handler))


async def test_send_without_start_logs_in_over_rest_only(fake: FakeDiscord, db_url: str) -> None:
    # `newsbot run --once`: adapters are not started, deliveries still go out
    adapter = DiscordAdapter(discord_settings(fake, db_url))
    try:
        await adapter.send_digest(CHANNEL_ID, DIGEST)
    finally:
        await adapter.stop()
    assert len(fake.messages[CHANNEL_ID]) == 1
    assert fake.identify == []  # no gateway
    assert fake.calls_to("PUT", f"/applications/{APP_ID}/commands") == []


def test_redact_masks_interaction_and_webhook_tokens() -> None:
    from adapters.discord.adapter import redact

    line = ("POST http://x/api/v10/interactions/55/aW50ZXJhY3Rpb24.abc-_/callback "
            "{'token': 'aW50ZXJhY3Rpb24', \"token\": \"abc\"} /webhooks/1/tok.en")
    masked = redact(line)
    assert "aW50ZXJhY3Rpb24" not in masked and "abc" not in masked and "tok.en" not in masked
    assert "/interactions/55/***/callback" in masked


# --- autocomplete ----------------------------------------------------------------------------

async def test_autocomplete_completes_the_last_word(fake: FakeDiscord, app: App,
                                                    clock: FixedClock) -> None:
    from bot.core.models import KeywordEntry, TickerEntry, Watchlist

    await app.store.upsert_watchlist(Watchlist(
        name="tech", tickers=(TickerEntry(symbol="SNOW", names=("Snowflake",)),),
        keywords=(KeywordEntry(key="DEEPSEEK", terms=("DeepSeek",)),)), now=clock.now())
    focused = {"type": 1, "name": "subscribe", "options": [
        {"type": 3, "name": "targets", "value": "NVDA watch", "focused": True}]}
    iid = await fake.push_interaction([focused], kind=4)
    [answer] = await fake.wait_for(lambda: callbacks(fake, iid))
    assert answer["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    assert [c["value"] for c in answer["data"]["choices"]] == ["NVDA watchlist:tech"]

    focused["options"][0]["value"] = "d"
    iid = await fake.push_interaction([focused], kind=4)
    [answer] = await fake.wait_for(lambda: callbacks(fake, iid))
    values = [c["value"] for c in answer["data"]["choices"]]
    assert "DEEPSEEK" in values and len(values) <= 25  # watchlist keys and reference symbols
    assert all(v.lower().startswith("d") for v in values)
