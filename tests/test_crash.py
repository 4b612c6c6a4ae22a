"""A worker killed with SIGKILL in the middle of a delivery (RELIABILITY row 21), with real
`newsbot run` processes against the fake Slack and the fake Discord, on SQLite and PostgreSQL.

The delivery sequence is claim → send → mark (`NewsService._deliver_channel`). The fake
platform parks the first message request (tests/support/hold.py) and the test kills the
worker there:
- before send: the fake has not created the message when the worker dies;
- after send, before mark: the fake created it, the worker dies before the answer arrives,
  so the outbox row stays pending under the dead worker's lease.
A fresh worker on the same database then takes the row over once the lease has run out.
Expected: every story delivered; on Slack (no idempotency key) at most one duplicate; on
Discord none (the retry reuses the nonce and Discord, like the fake, returns the message it
already has). On SQLite the dead worker's file lock went with it: the restart is not refused.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_discord import CHANNEL_ID as DISCORD_CHANNEL
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import CHANNEL_ID as SLACK_CHANNEL
from tests.support.fake_slack import FakeSlack
from tests.support.feeds import Item, rss
from tests.support.feedserver import serve_feeds
from tests.support.hold import Hold, Stage
from tests.support.workers import (
    Db,
    running,
    start_worker,
    wait_until,
    worker_env,
    write_config,
)

pytest.importorskip("slack_bolt")
pytest.importorskip("discord")

LINKS = [f"https://news.example/snow/{n}" for n in range(1, 4)]
TITLES = ["Snowflake $SNOW wins a large cloud contract",
          "Analysts lift their $SNOW price target after earnings",
          "$SNOW shares climb in early New York trading"]
LEASE_S = 1.0

CASES = [  # platform, stage, how often each story may show up in the channel
    pytest.param("slack", "before", 1, id="slack-before-send"),
    pytest.param("slack", "after", 2, id="slack-after-send-before-mark"),  # the one duplicate
    pytest.param("discord", "before", 1, id="discord-before-send"),
    pytest.param("discord", "after", 1, id="discord-after-send-before-mark"),  # nonce
]


def story_counts(messages: list[dict[str, Any]]) -> list[int]:
    """How many messages carry each story (by its link)."""
    texts = [json.dumps(m) for m in messages]
    return [sum(link in text for text in texts) for link in LINKS]


@pytest.mark.parametrize(("platform", "stage", "copies"), CASES)
async def test_worker_killed_mid_delivery_loses_nothing(
    platform: str, stage: Stage, copies: int, store_url: str, tmp_path: Path,
    fake_slack: FakeSlack, fake_discord: FakeDiscord,
) -> None:
    now = datetime.now(UTC)
    items = [Item(title, guid=link, link=link, published=now - timedelta(minutes=n))
             for n, (title, link) in enumerate(zip(TITLES, LINKS, strict=True))]
    fake: FakeSlack | FakeDiscord = fake_slack if platform == "slack" else fake_discord
    channel = SLACK_CHANNEL if platform == "slack" else DISCORD_CHANNEL
    hold = fake.hold_next(Hold(stage=stage))
    async with serve_feeds() as feeds:
        feeds.feed("snow").publish(rss(items, lang="en"))
        config = write_config(
            tmp_path / "newsbot.yaml",
            feeds=[{"url": feeds.url("snow"), "interval": "1h"}],
            channels=[{"adapter": platform, "id": channel, "subscribe": ["SNOW"]}])
        env = worker_env(database_url=store_url, config=config,
                         slack=fake_slack if platform == "slack" else None,
                         discord=fake_discord if platform == "discord" else None,
                         poll_tick_s=0.2, deliver_tick_s=0.2, delivery_lease_s=LEASE_S,
                         feed_lease_s=LEASE_S, alert_max_per_hour=0)
        first = await start_worker(env, cwd=tmp_path, name="first")
        async with running(first) as fleet:
            await wait_until(hold.arrived.is_set, within_s=30, what="the first send",
                             workers=fleet)
            await first.kill()
            if stage == "before":
                # the fake drops the request only once it has seen the connection close
                await wait_until(hold.gone.is_set, within_s=5, what="the dead connection")
            hold.release()
            created = sum(len(v) for v in fake.messages.values())
            assert created == (1 if stage == "after" else 0)
            db = Db(store_url)
            try:
                assert db.delivery_statuses() == {"pending": len(LINKS)}  # none marked
                second = await start_worker(env, cwd=tmp_path, name="second")
                fleet.append(second)
                await wait_until(lambda: db.delivery_statuses() == {"sent": len(LINKS)},
                                 within_s=30, what="all deliveries marked sent",
                                 workers=[second])
            finally:
                db.close()
            # not refused (SQLite lock), and a clean stop
            assert await second.stop() == 0, second.output()[-3000:]
    assert "another newsbot scheduler" not in second.output()
    # one request from each worker (the first one's dropped or unanswered), and the stories
    assert len(fake_slack.posts() if platform == "slack" else fake_discord.posts_to(channel)) == 2
    assert story_counts(fake.messages.get(channel, [])) == [copies] * len(LINKS)
