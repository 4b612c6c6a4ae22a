"""`newsbot run --adapter discord` as a real subprocess against the fake Discord: it logs in,
identifies, uploads `/news`, answers a command, exits cleanly on SIGTERM, and no token (bot
or interaction) shows up in its output even at DEBUG."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.support.fake_discord import APP_ID, TOKEN, FakeDiscord, sub

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def fake(fake_discord: FakeDiscord) -> FakeDiscord:
    return fake_discord


def env_for(fake: FakeDiscord, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update({
        "NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'newsbot.db'}",
        "NEWSBOT_DISCORD_TOKEN": TOKEN,
        "NEWSBOT_DISCORD_API_BASE": fake.api_base,
        "NEWSBOT_DISCORD_GATEWAY_URL": fake.gateway_url,
        "NEWSBOT_LOG_LEVEL": "DEBUG",
    })
    return env


async def test_run_discord_subprocess_starts_answers_and_stops(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--adapter", "discord", "--no-interactive",
        cwd=tmp_path, env=env_for(fake, tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await fake.wait_for(lambda: fake.identify, within_s=30)
        await fake.wait_for(lambda: fake.calls_to("PUT", f"/applications/{APP_ID}/commands"),
                            within_s=10)
        await asyncio.sleep(0.5)  # READY and GUILD_CREATE reach the client
        iid = await fake.push_interaction([sub("subscribe", targets="NVDA")])
        await fake.wait_for(lambda: fake.calls_to("POST", f"/interactions/{iid}/itoken-{iid}"
                                                  "/callback"), within_s=10)
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            stdout, stderr = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    output = stdout.decode() + stderr.decode()
    assert proc.returncode == 0, output[-3000:]
    assert TOKEN not in output
    assert f"itoken-{iid}" not in output
    assert "DEBUG" in output  # the check above ran over real debug logging
    assert "***" in output  # …in which discord.py logged the interaction token, masked
