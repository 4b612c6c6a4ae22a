"""Secrets never reach logs or operator output (RELIABILITY row 25).

One full cycle of `newsbot run` as a real subprocess at DEBUG with everything that has a
secret configured at once: Slack (HTTP mode: bot token, signing secret, app token,
`response_url`s), Discord (bot token, interaction tokens in webhook URLs), the LLM (API key)
and PostgreSQL through a URL with a password. A feed story is polled, summarised by the LLM,
delivered to both platforms; commands are answered on both, slow ones through `response_url`
and the interaction webhook. Then `newsbot status`. No secret may appear in any of it.

The redacting log filter (`bot.log_redaction`) is the second line of defence and marks what it
masks with `[redacted]`; this test also requires that marker to be absent, so a secret kept
out only by the filter still fails here: every leak must be fixed where it starts.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.errors import StoreError
from bot.log_redaction import MASK
from bot.store.migrate import upgrade
from bot.store.sql import SqlStore
from tests.support.fake_discord import CHANNEL_ID as DISCORD_CHANNEL
from tests.support.fake_discord import TOKEN as DISCORD_TOKEN
from tests.support.fake_discord import FakeDiscord, sub
from tests.support.fake_openai import FakeOpenAI, FakeReply, fake_openai
from tests.support.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack, signed_command
from tests.support.fake_slack import CHANNEL_ID as SLACK_CHANNEL
from tests.support.feeds import Item, rss
from tests.support.httpserver import Route, serve
from tests.support.ports import free_port, wait_healthy

LLM_KEY = "sk-live-key-SECRET-0123456789"
DB_PASSWORD = "pg-SECRET-passw0rd"  # trust auth on the test server ignores it
STORY = rss([Item("Snowflake übernimmt Start-up für KI-Datenbanken", guid="s1",
                  link="https://example.org/s1", published=datetime.now(UTC),
                  description="Snowflake kauft ein Start-up. Der Preis wurde nicht genannt.")])
CONFIG = """\
feeds:
  - {{url: "{feed}", interval: 10m}}
watchlists:
  - name: tech
    tickers:
      - {{symbol: SNOW, names: [Snowflake]}}
channels:
  - {{adapter: slack, id: {slack}, lang: en, subscribe: [SNOW]}}
  - {{adapter: discord, id: "{discord}", lang: en, subscribe: [SNOW]}}
"""


# `python -m bot` with SQLAlchemy's loggers at DEBUG too: SQLAlchemy sets its own logger to
# WARNING on import unless it was set before, so root at DEBUG alone would not show them
WITH_SQL_LOGS = ("import logging, runpy; logging.getLogger('sqlalchemy').setLevel(logging.DEBUG);"
                 " runpy.run_module('bot', run_name='__main__')")


def with_password(url: str) -> str:
    return make_url(url).set(password=DB_PASSWORD).render_as_string(hide_password=False)


@pytest.fixture
async def fakes(fake_slack: FakeSlack, fake_discord: FakeDiscord
                ) -> AsyncIterator[tuple[FakeSlack, FakeDiscord, FakeOpenAI]]:
    async with fake_openai(FakeReply(content="Snowflake buys a start-up; no price.")) as llm:
        yield fake_slack, fake_discord, llm


def environment(db_url: str, slack: FakeSlack, discord: FakeDiscord, llm: FakeOpenAI,
                port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "SLACK_"))}
    env.update({
        "NEWSBOT_DATABASE_URL": db_url,
        "NEWSBOT_LOG_LEVEL": "DEBUG",
        "NEWSBOT_SLACK_BOT_TOKEN": BOT_TOKEN,
        "NEWSBOT_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "NEWSBOT_SLACK_APP_TOKEN": APP_TOKEN,
        "NEWSBOT_SLACK_MODE": "http",
        "NEWSBOT_SLACK_API_URL": slack.api_url,
        "NEWSBOT_HTTP_HOST": "127.0.0.1",
        "NEWSBOT_HTTP_PORT": str(port),
        "NEWSBOT_DISCORD_TOKEN": DISCORD_TOKEN,
        "NEWSBOT_DISCORD_API_BASE": discord.api_base,
        "NEWSBOT_DISCORD_GATEWAY_URL": discord.gateway_url,
        "NEWSBOT_LLM_BASE_URL": llm.base_url,
        "NEWSBOT_LLM_MODEL": "fake-chat",
        "NEWSBOT_LLM_API_KEY": LLM_KEY,
        "NEWSBOT_FETCH_ALLOW_NETWORKS": "127.0.0.0/8",
        "NEWSBOT_POLL_TICK_S": "1",
        "NEWSBOT_DELIVER_TICK_S": "1",
    })
    return env


async def slack_command(port: int, slack: FakeSlack, text: str) -> None:
    body, headers = signed_command(text, slack)
    async with aiohttp.ClientSession() as session, session.post(
            f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers) as response:
        assert response.status == 200


async def newsbot(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
async def test_full_cycle_at_debug_shows_no_secret(
        store_url: str, fakes: tuple[FakeSlack, FakeDiscord, FakeOpenAI], tmp_path: Path,
) -> None:
    slack, discord, llm = fakes
    port = free_port()
    env = environment(with_password(store_url), slack, discord, llm, port)
    with serve({"/feed.xml": Route(STORY)}) as feeds:
        cfg = tmp_path / "newsbot.yaml"
        cfg.write_text(CONFIG.format(feed=feeds.url("/feed.xml"), slack=SLACK_CHANNEL,
                                     discord=DISCORD_CHANNEL))
        env["NEWSBOT_CONFIG"] = str(cfg)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WITH_SQL_LOGS, "run", "--adapter", "slack",
            "--adapter", "discord", "--no-interactive", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await wait_healthy(f"http://127.0.0.1:{port}/healthz", within_s=60)
            await discord.wait_for(lambda: discord.identify, within_s=30)
            # the story: polled, summarised by the LLM, posted on both platforms
            await slack.wait_for(lambda: slack.messages.get(SLACK_CHANNEL), within_s=30)
            await discord.wait_for(lambda: discord.posts_to(DISCORD_CHANNEL), within_s=30)
            assert llm.requests and llm.requests[0].authorization == f"Bearer {LLM_KEY}"
            # commands: quick ones answered inline, slow ones via response_url / webhook
            await slack_command(port, slack, "subscribe NVDA")
            await slack_command(port, slack, "summary 7d")
            [responded] = await slack.wait_for(lambda: slack.responses, within_s=20)
            await asyncio.sleep(0.5)  # READY and GUILD_CREATE reach the client
            quick = await discord.push_interaction([sub("subscribe", targets="NVDA")])
            slow = await discord.push_interaction([sub("summary", window="7d")])
            for iid in (quick, slow):
                await discord.wait_for(lambda i=iid: discord.calls_to(  # type: ignore[misc]
                    "POST", f"/interactions/{i}/itoken-{i}/callback"), within_s=20)
            await discord.wait_for(lambda: [c for c in discord.calls
                                            if f"itoken-{slow}" in c.path
                                            and "callback" not in c.path], within_s=20)
            proc.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                stdout, stderr = await proc.communicate()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    run_output = stdout.decode() + stderr.decode()
    assert proc.returncode == 0, run_output[-3000:]
    status_code, status_out, status_err = await newsbot("status", env=env, cwd=tmp_path)
    json_code, json_out, json_err = await newsbot("status", "--json", env=env, cwd=tmp_path)
    assert (status_code, json_code) == (0, 0), status_err + json_err
    assert json.loads(json_out)["outbox"].get("sent", 0) >= 2
    status_output, json_output = status_out + status_err, json_out + json_err

    secrets = {"slack bot token": BOT_TOKEN, "slack app token": APP_TOKEN,
               "signing secret": SIGNING_SECRET, "discord token": DISCORD_TOKEN,
               "llm key": LLM_KEY, "db password": DB_PASSWORD,
               "response_url": f"respSECRET{responded['id']}",
               "interaction token": f"itoken-{slow}", "quick interaction": f"itoken-{quick}"}
    for name, text in (("run", run_output), ("status", status_output),
                       ("status --json", json_output)):
        for what, secret in secrets.items():
            assert secret not in text, f"{what} in `newsbot {name}` output"
        assert MASK not in text, f"the log filter had to mask a secret in `newsbot {name}`"
    # the checks ran over real debug logging of every library involved
    for logger in ("DEBUG sqlalchemy.engine", "DEBUG sqlalchemy.pool", "DEBUG discord.",
                   "DEBUG openai.", "DEBUG httpcore", "DEBUG adapters.slack.lib",
                   "DEBUG slack_sdk."):
        assert logger in run_output, logger


async def test_store_errors_do_not_show_the_database_password(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql+psycopg://newsbot:{DB_PASSWORD}@127.0.0.1:{port}/newsbot"
    store = SqlStore(url=url)
    try:
        with pytest.raises(StoreError) as caught:
            await store.list_feeds()
    finally:
        await store.close()
    with pytest.raises(StoreError) as migrating:
        upgrade(url)
    for exc in (caught.value, migrating.value):
        assert DB_PASSWORD not in str(exc) and DB_PASSWORD not in repr(exc)
        assert "127.0.0.1" in str(exc)  # still says where it failed
