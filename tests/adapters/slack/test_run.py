"""`newsbot run --adapter slack` as a real subprocess in HTTP mode against the fake Slack: it
starts, serves /healthz, answers a signed slash command, exits cleanly on SIGTERM, and no
secret (bot token, app token, signing secret, response_url) shows up in its output even at
DEBUG."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.support.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    signed_command,
)
from tests.support.ports import free_port, wait_healthy


@pytest.fixture
def fake(fake_slack: FakeSlack) -> FakeSlack:
    return fake_slack


def env_for(fake: FakeSlack, tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "SLACK_"))}
    env.update({
        "NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'newsbot.db'}",
        "NEWSBOT_SLACK_BOT_TOKEN": BOT_TOKEN,
        "NEWSBOT_SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "NEWSBOT_SLACK_APP_TOKEN": APP_TOKEN,
        "NEWSBOT_SLACK_MODE": "http",
        "NEWSBOT_SLACK_API_URL": fake.api_url,
        "NEWSBOT_HTTP_HOST": "127.0.0.1",
        "NEWSBOT_HTTP_PORT": str(port),
        "NEWSBOT_LOG_LEVEL": "DEBUG",
    })
    return env


async def test_run_slack_http_subprocess_serves_answers_and_stops(
    fake: FakeSlack, tmp_path: Path
) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--adapter", "slack", "--no-interactive",
        cwd=tmp_path, env=env_for(fake, tmp_path, port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz", within_s=30)
        body, headers = signed_command("subscribe SNOW", fake)
        async with aiohttp.ClientSession() as session, session.post(
                f"http://127.0.0.1:{port}/slack/events", data=body,
                headers=headers) as response:
            assert response.status == 200
            answer = json.loads(await response.text())
        assert "SNOW" in answer["text"]
        # a slow command: acked empty, answered through the response_url
        body, headers = signed_command("summary 7d", fake)
        async with aiohttp.ClientSession() as session, session.post(
                f"http://127.0.0.1:{port}/slack/events", data=body,
                headers=headers) as response:
            assert response.status == 200
        [responded] = await fake.wait_for(lambda: fake.responses, within_s=10)
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            stdout, stderr = await proc.communicate()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    output = stdout.decode() + stderr.decode()
    assert proc.returncode == 0, output[-3000:]
    for secret in (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET, "SECRET",
                   f"respSECRET{responded['id']}"):
        assert secret not in output, secret
    assert "DEBUG" in output  # the checks above ran over real debug logging
    assert "***" in output  # …in which the libraries logged secrets, masked
