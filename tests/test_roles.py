"""Process roles (`newsbot run --role`, bot/roles.py): the ticks and the command connection of
each role, what is refused with exit 2, workers applying the config together, Discord sending
from a sender without a gateway session, and a poller process plus a sender process
delivering a story to the fake Slack exactly once over PostgreSQL."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from typer.testing import CliRunner

from bot.app import App, build_app, run_forever, run_once, sync_config
from bot.cli import app as cli_app
from bot.config import FileConfig, Settings
from bot.core.models import Digest
from bot.scheduler import build_scheduler
from bot.store import migrate
from bot.store.sql import SqlStore
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.fake_slack import CHANNEL_ID, FakeSlack
from tests.support.feeds import Item, rss
from tests.support.feedserver import serve_feeds
from tests.support.workers import (
    running,
    start_worker,
    wait_until,
    worker_env,
    write_config,
)

ROLES = ["poller", "sender", "chat", "all"]


@dataclass
class ListeningAdapter(RecordingAdapter):
    """The recording adapter, also noting whether its command connection was opened."""

    started: bool = False

    async def start(self, on_command: Any, *, suggest: Any = None) -> None:  # type: ignore[override]
        self.started = True


def story_config(url: str, *, adapter: str = "console", channel: str = "markets") -> FileConfig:
    return FileConfig.model_validate({
        "feeds": [{"url": url, "interval": "10m"}],
        "watchlists": [{"name": "tech", "tickers": [{"symbol": "SNOW", "names": ["Snowflake"]}]}],
        "channels": [{"adapter": adapter, "id": channel, "lang": "en", "subscribe": ["SNOW"]}],
    })


def snow_story(published: datetime) -> bytes:
    return rss([Item("Snowflake $SNOW adds DeepSeek models", guid="snow-1",
                     link="https://example.org/snow", published=published,
                     description="Snowflake (SNOW) said customers can use DeepSeek.")],
               lang="en")


@pytest.fixture
def adapter() -> ListeningAdapter:
    return ListeningAdapter()


@pytest.fixture
async def app(db_url: str, clock: FixedClock, adapter: ListeningAdapter
              ) -> AsyncIterator[App]:
    settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"])
    bot = await build_app(settings, adapters={"console": adapter}, clock=clock)
    yield bot
    await bot.close()


# --- what each role runs ----------------------------------------------------------------------

@pytest.mark.parametrize(("role", "jobs"), [
    ("poller", {"poll", "prune"}), ("sender", {"deliver"}), ("chat", set()),
    ("all", {"poll", "deliver", "prune"}),
], ids=ROLES)
async def test_scheduler_has_the_ticks_of_the_role(app: App, role: Any, jobs: set[str]) -> None:
    scheduler = build_scheduler(app, role=role)
    assert {job.id for job in scheduler.get_jobs()} == jobs


@pytest.mark.parametrize(("role", "ticks", "listens"), [
    ("poller", {"poll", "prune"}, False),
    ("sender", {"deliver"}, False),
    ("chat", set(), True),
    ("all", {"poll", "deliver", "prune"}, True),
], ids=ROLES)
async def test_run_forever_opens_commands_and_ticks_by_role(
    app: App, adapter: ListeningAdapter, monkeypatch: pytest.MonkeyPatch,
    role: Any, ticks: set[str], listens: bool,
) -> None:
    ran: set[str] = set()
    progress = asyncio.Event()
    frozen: list[int] = []

    def recorder(name: str) -> Callable[..., Any]:
        async def tick(*, force: bool = False) -> list[Any]:
            ran.add(name)
            frozen.append(gc.get_freeze_count())
            progress.set()
            return []
        return tick

    monkeypatch.setattr(app.service, "poll_due_feeds", recorder("poll"))
    monkeypatch.setattr(app.service, "deliver_due", recorder("deliver"))
    monkeypatch.setattr(app.service, "prune_entries", recorder("prune"))
    stop = asyncio.Event()
    task = asyncio.create_task(run_forever(app, role=role, stop=stop))
    async with asyncio.timeout(5):
        while not ran >= ticks:
            await progress.wait()
            progress.clear()
    # every job's first run is due at once: one the role lacks would have run by now
    await asyncio.sleep(0.3)
    stop.set()
    await task
    assert ran == ticks
    assert adapter.started is listens
    # start-up objects are kept out of the collector's full passes while the bot runs, the
    # compiled watchlist among them where the role polls
    assert len(frozen) >= len(ticks) and all(count > 0 for count in frozen)
    assert gc.get_freeze_count() == 0
    assert (app.service._routing is not None) is ("poll" in ticks)


async def test_once_passes_split_the_work_between_poller_and_sender(
    app: App, adapter: ListeningAdapter, clock: FixedClock
) -> None:
    async with serve_feeds() as server:
        server.feed("snow").publish(snow_story(clock.now()))
        await sync_config(app.store, story_config(server.url("snow")), clock)
        polls, deliveries = await run_once(app, role="poller")
        assert [p.new_entries for p in polls] == [1] and deliveries == []
        assert adapter.sent == []  # the story waits in the outbox for a sender
        polls, deliveries = await run_once(app, role="sender")
        assert polls == [] and [d.status for d in deliveries] == ["sent"]
        assert server.feed("snow").hits == 1  # the sender did not poll
        [(channel, digest)] = adapter.sent
        assert channel == "markets" and digest.groups[0].key == "SNOW"
        await run_once(app, role="all")
        assert len(adapter.sent) == 1


@dataclass
class SlowAdapter(ListeningAdapter):
    """Holds each digest until the test lets it go."""

    sending: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_digest(self, channel_id: str, digest: Digest) -> None:
        self.sending.set()
        await self.release.wait()
        await super().send_digest(channel_id, digest)


async def test_stopping_lets_a_running_send_finish_and_record_it(
    db_url: str, clock: FixedClock
) -> None:
    slow = SlowAdapter()
    settings = Settings(database_url=db_url, fetch_allow_networks=["127.0.0.0/8"])
    bot = await build_app(settings, adapters={"console": slow}, clock=clock)
    try:
        async with serve_feeds() as server:
            server.feed("snow").publish(snow_story(clock.now()))
            await sync_config(bot.store, story_config(server.url("snow")), clock)
            await run_once(bot, role="poller")
        stop = asyncio.Event()
        task = asyncio.create_task(run_forever(bot, role="sender", stop=stop))
        await asyncio.wait_for(slow.sending.wait(), 5)
        stop.set()  # SIGTERM in the middle of a post
        await asyncio.sleep(0.1)
        slow.release.set()
        await asyncio.wait_for(task, 5)
        # recorded as sent: cut off here, it would be posted again once its lease ran out
        assert len(slow.sent) == 1
        assert await bot.store.channels_with_pending() == []
    finally:
        await bot.close()


async def test_discord_sender_posts_over_rest_without_a_gateway_session(
    db_url: str, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    discord = pytest.importorskip("discord")
    from adapters.discord.adapter import DiscordAdapter
    from tests.support.fake_discord import CHANNEL_ID as DISCORD_CHANNEL
    from tests.support.fake_discord import TOKEN, FakeDiscord

    # the adapter points discord.py's class attributes at the fake: undo that afterwards
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    fake = FakeDiscord()
    await fake.start()
    settings = Settings(database_url=db_url, discord_token=SecretStr(TOKEN),
                        discord_api_base=fake.api_base, discord_gateway_url=fake.gateway_url,
                        fetch_allow_networks=["127.0.0.0/8"])
    bot = await build_app(settings, adapters={"discord": DiscordAdapter(settings)}, clock=clock)
    try:
        async with serve_feeds() as server:
            server.feed("snow").publish(snow_story(clock.now()))
            await sync_config(bot.store, story_config(server.url("snow"), adapter="discord",
                                                      channel=DISCORD_CHANNEL), clock)
            await run_once(bot, role="poller")
            stop = asyncio.Event()
            task = asyncio.create_task(run_forever(bot, role="sender", stop=stop))
            [post] = await fake.wait_for(lambda: fake.posts_to(DISCORD_CHANNEL), within_s=10)
            stop.set()
            await task
        assert "Snowflake" in json.dumps(post.json)
        assert fake.identify == []  # no gateway session: the chat process keeps the only one
        assert fake.calls_to("GET", "/gateway/bot") == []
        assert fake.calls_to("PUT", "/commands") == []  # nor did it re-upload the commands
    finally:
        await bot.close()
        await fake.close()


# --- refusals -----------------------------------------------------------------------------------

PG = "postgresql+psycopg://newsbot@127.0.0.1:5432/newsbot"


@pytest.mark.parametrize(("args", "database_url", "fragments"), [
    (["--role", "boss"], PG, ["--role must be one of poller, sender, chat, all", "'boss'"]),
    (["--role", "poller"], None, ["--role poller needs PostgreSQL", "NEWSBOT_DATABASE_URL"]),
    (["--role", "sender", "--once"], "sqlite:///./other.db",
     ["--role sender needs PostgreSQL", "NEWSBOT_DATABASE_URL"]),
    (["--role", "chat"], "sqlite:///./newsbot.db", ["--role chat needs PostgreSQL"]),
    (["--role", "chat", "--once"], PG, ["--once has nothing to do with --role chat"]),
    (["--role", "poller"], "not a url",
     ["NEWSBOT_DATABASE_URL (environment): not a database URL"]),
], ids=["unknown-role", "poller-on-default-sqlite", "sender-on-sqlite", "chat-on-sqlite",
        "chat-once", "malformed-url"])
def test_refused_roles_exit_2_with_one_clear_line(
    args: list[str], database_url: str | None, fragments: list[str], tmp_path: Path
) -> None:
    env = {"NEWSBOT_DATABASE_URL": database_url} if database_url else {}
    result = CliRunner().invoke(cli_app, ["run", *args], env=env)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("newsbot: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.db"))  # refused before anything was opened


# --- several workers on PostgreSQL ------------------------------------------------------------

@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
async def test_workers_starting_together_apply_the_config_without_conflict(
    store_url: str, clock: FixedClock
) -> None:
    await asyncio.to_thread(migrate.upgrade, store_url)
    config = story_config("https://example.org/feed.xml")
    stores = [SqlStore(url=store_url) for _ in range(6)]
    try:
        # unserialized, two of them insert the same feed and one dies on the unique constraint
        await asyncio.gather(*(sync_config(store, config, clock) for store in stores))
        assert [f.url for f in await stores[0].list_feeds()] == ["https://example.org/feed.xml"]
        [channel] = await stores[0].list_channels()
        assert list(channel.subscriptions) == ["SNOW"]
    finally:
        for store in stores:
            await store.close()


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
async def test_once_per_role_from_the_command_line(store_url: str, tmp_path: Path) -> None:
    async def newsbot_once(role: str, config: Path) -> tuple[int, str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        env.update(NEWSBOT_DATABASE_URL=store_url, NEWSBOT_FETCH_ALLOW_NETWORKS="127.0.0.0/8")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--role", role, "--once", "--config",
            str(config), cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out.decode(), err.decode()

    async with serve_feeds() as server:
        server.feed("snow").publish(snow_story(datetime.now(UTC)))  # the process's own clock
        config = write_config(
            tmp_path / "newsbot.yaml", feeds=[{"url": server.url("snow"), "interval": "10m"}],
            watchlists=[{"name": "tech", "tickers": [{"symbol": "SNOW", "names": ["Snowflake"]}]}],
            channels=[{"adapter": "console", "id": "markets", "lang": "en",
                       "subscribe": ["SNOW"]}])
        code, out, err = await newsbot_once("poller", config)
        assert (code, out) == (0, ""), err
        assert "polled 1 feeds (0 failed), 1 new entries" in err and "sent" not in err
        code, out, err = await newsbot_once("sender", config)
        assert code == 0, err
        assert "console:markets" in out and "Snowflake" in out
        assert "1 messages sent" in err and "polled" not in err
        assert server.feed("snow").hits == 1


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
async def test_poller_and_sender_processes_deliver_a_story_exactly_once(
    store_url: str, tmp_path: Path
) -> None:
    await asyncio.to_thread(migrate.upgrade, store_url)  # so the outbox can be looked at
    slack = FakeSlack()
    await slack.start()
    try:
        async with serve_feeds() as server:
            # real processes read the real clock: a story from just now passes the baseline
            server.feed("snow").publish(snow_story(datetime.now(UTC)))
            config = write_config(
                tmp_path / "newsbot.yaml", feeds=[{"url": server.url("snow"), "interval": "10m"}],
                watchlists=[{"name": "tech", "tickers": [{"symbol": "SNOW",
                                                          "names": ["Snowflake"]}]}],
                channels=[{"adapter": "slack", "id": CHANNEL_ID, "lang": "en",
                           "subscribe": ["SNOW"]}])
            env = worker_env(database_url=store_url, config=config, slack=slack,
                             poll_tick_s=0.2, deliver_tick_s=0.2)
            poller = await start_worker(env, cwd=tmp_path, name="poller",
                                        args=("--role", "poller"))
            async with running(poller) as fleet:
                await wait_until(lambda: _pending(store_url), within_s=30,
                                 what="the poller's outbox row", workers=fleet)
                await asyncio.sleep(1.0)  # five deliver ticks, had the poller any
                assert slack.posts() == []
                sender = await start_worker(env, cwd=tmp_path, name="sender",
                                            args=("--role", "sender"))
                fleet.append(sender)
                await wait_until(slack.posts, within_s=30, what="the sender's post",
                                 workers=fleet)
                await asyncio.sleep(1.0)  # more ticks of both: nothing is posted again
                codes = [await worker.stop() for worker in fleet]
            [post] = slack.posts()
            assert post.body["channel"] == CHANNEL_ID and "Snowflake" in str(post.body)
            assert server.feed("snow").hits >= 1
            # neither process opened a Socket Mode connection, though both had the app token
            assert slack.calls_to("apps.connections.open") == []
            assert codes == [0, 0], "\n".join(w.output()[-2000:] for w in fleet)
    finally:
        await slack.close()


def _pending(database_url: str) -> bool:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return bool(conn.scalar(sa.text(
                "SELECT count(*) FROM deliveries WHERE status = 'pending'")))
    finally:
        engine.dispose()
