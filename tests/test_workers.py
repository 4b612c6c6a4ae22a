"""Three `newsbot run` processes on one PostgreSQL share 200 feeds (RELIABILITY row 22).

The feeds come from one loopback server that counts every request per feed with its time
and serves a new story on every fetch (plus the few before it, so a story served to a
worker that died is still there for the next one). Each feed has the smallest interval a
config allows (10 s) and routes to one of 40 Slack channels on the fake Slack, which counts
messages per story. Over three polls of every feed, two workers are killed with SIGKILL:
- in the second round, the one holding the most feed claims while its fetches are parked
  in the feed server;
- in the third round, the one whose message the fake Slack parks before posting it.
Expected: no feed is fetched twice within an interval, except a feed whose fetch died with
its worker, fetched again by a survivor only after that claim's lease ran out; every story
served is posted exactly once (Slack has no idempotency key, so a double send would show);
every outbox row ends up sent; the survivor stops cleanly.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.fake_slack import CALL, FakeSlack
from tests.support.feeds import Item, rss
from tests.support.hold import Hold
from tests.support.workers import (
    Db,
    Worker,
    running,
    start_worker,
    wait_until,
    worker_env,
    write_config,
)

pytest.importorskip("slack_bolt")

FEEDS = 200
CHANNELS = 40
INTERVAL_S = 10  # the smallest interval a config accepts (bot.core.schedule.MIN_INTERVAL_S)
# Leases: short, so takeovers fit in the test, but longer than a poll or a send of a worker
# starved of CPU (three workers and the test on a small machine); a lease that runs out
# while its worker still works lets another repeat the work, by design
FEED_LEASE_S = 5.0
DELIVERY_LEASE_S = 6.0
KEEP = 5  # stories a feed still lists after newer ones arrive
LINK = re.compile(r"https://news\.example/f(\d+)/s(\d+)")
EPSILON_S = 0.05  # clock granularity between the feed server and the database


def story_link(feed: int, story: int) -> str:
    return f"https://news.example/f{feed}/s{story}"


def word(number: int) -> str:
    """A made-up word per number. Titles differ by whole words: stories whose titles share
    most words are folded into one as the same news (bot.core.digest), and digits split
    off (`f10s0` reads as f, 10, s, 0)."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters += chr(ord("a") + digit)
        if not number:
            return "zq" + letters


def term(channel: int) -> str:
    return f"topic{word(channel)}"


def title(feed: int, story: int) -> str:
    return f"{word(feed * 1000 + story).capitalize()} {term(feed % CHANNELS)}"


@dataclass
class FeedLog:
    fetches: list[float] = field(default_factory=list)  # wall-clock arrival of each request
    served: int = 0  # stories 0..served-1 have been in a response


class RotatingFeeds:
    """`/feed/{n}`: every request counts and brings story number `fetches` into the feed;
    `gate` parks the requests of one round; `frozen` stops new stories (end of the test)."""

    def __init__(self) -> None:
        self.logs = [FeedLog() for _ in range(FEEDS)]
        self.gate_round: int | None = None
        self.gate = asyncio.Event()
        self.parked = 0
        self.frozen = False
        self.base = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed/{n}", self._feed)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _feed(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        log = self.logs[n]
        log.fetches.append(time.time())
        if self.gate_round == len(log.fetches) and not self.gate.is_set():
            self.parked += 1
            await self.gate.wait()
        if not self.frozen:
            log.served = len(log.fetches)
        items = [Item(title(n, s), guid=story_link(n, s),
                      link=story_link(n, s), published=datetime.now(UTC))
                 for s in range(max(0, log.served - KEEP), log.served)]
        return web.Response(body=rss(items[::-1], title=f"Feed {n}", lang="en"),
                            content_type="application/rss+xml")

    def rounds_done(self, rounds: int) -> bool:
        return all(len(log.fetches) >= rounds for log in self.logs)

    def served(self) -> set[tuple[int, int]]:
        return {(n, s) for n, log in enumerate(self.logs) for s in range(log.served)}


class Posts:
    """Which messages on the fake Slack carry which story; reads only new messages on each
    call (the conditions below are polled while hundreds of messages pile up)."""

    def __init__(self, slack: FakeSlack) -> None:
        self._slack = slack
        self._seen: dict[str, int] = {}
        self.stories: dict[tuple[int, int], list[str]] = {}  # story → channel:ts of each post

    def counts(self) -> dict[tuple[int, int], int]:
        for channel, messages in self._slack.messages.items():
            for message in messages[self._seen.get(channel, 0):]:
                for f, s in set(LINK.findall(json.dumps(message))):
                    self.stories.setdefault((int(f), int(s)), []).append(
                        f"{channel}:{message['ts']}")
            self._seen[channel] = len(messages)
        return {story: len(posts) for story, posts in self.stories.items()}


@dataclass(frozen=True)
class Kill:
    worker: Worker
    at: float
    feeds: dict[int, float]  # feed index → end of the dead worker's lease on it (epoch s)
    deliveries: dict[int, float]  # outbox row → end of the dead worker's lease on it


def claims_of(db: Db, worker: Worker) -> dict[int, float]:
    """Feeds claimed by `worker` and not finished (a finished poll moves next_poll_at)."""
    rows = db.rows("SELECT url, lease_until FROM feeds WHERE lease_owner LIKE :owner "
                   "AND lease_until = next_poll_at", owner=f"%{worker.owner_suffix}")
    return {int(url.rsplit("/", 1)[1]): until.timestamp() for url, until in rows}


async def kill(worker: Worker, db: Db) -> Kill:
    await worker.kill()
    sending = db.rows("SELECT id, lease_until FROM deliveries WHERE status = 'pending' "
                      "AND lease_owner LIKE :owner", owner=f"%{worker.owner_suffix}")
    # frozen: the owner is dead
    return Kill(worker, time.time(), claims_of(db, worker),
                {int(i): until.timestamp() for i, until in sending})


def check_intervals(feeds: RotatingFeeds, *, kills: tuple[Kill, ...],
                    workers: list[Worker]) -> None:
    """Each feed once per interval, and polled again within interval + lease (nobody
    starves it); a second fetch sooner only where the fetching worker died, and only after
    its lease had run out."""
    problems = []
    for n, log in enumerate(feeds.logs):
        for before, after in itertools.pairwise(log.fetches):
            gap = after - before
            lease_ends = [k.feeds[n] for k in kills if n in k.feeds and before <= k.at]
            if gap > INTERVAL_S + FEED_LEASE_S + 3:
                problems.append(f"feed {n} starved: {log.fetches}")
            elif gap >= INTERVAL_S - EPSILON_S:
                continue
            elif not lease_ends:
                problems.append(f"feed {n} fetched twice within {gap:.2f}s: {log.fetches}")
            elif after < min(lease_ends) - EPSILON_S:
                problems.append(f"feed {n} taken over before the lease ran out: "
                                f"{log.fetches}, lease until {min(lease_ends)}")
    tails = "\n".join(f"--- {w.name}\n{w.tail()}" for w in workers)
    assert not problems, "\n".join([*problems[:10], tails])


def stuck(feeds: RotatingFeeds, db: Db, rounds: int) -> str:
    """What a round waits for: feeds not fetched often enough, outbox rows not sent."""
    behind = [n for n, log in enumerate(feeds.logs) if len(log.fetches) < rounds]
    failing = db.rows("SELECT url, error_count, last_error, lease_owner FROM feeds "
                      "WHERE error_count > 0 LIMIT 5")
    pending = db.rows("SELECT channel_id, attempts, lease_owner, lease_until, last_error "
                      "FROM deliveries WHERE status <> 'sent' LIMIT 5")
    return (f"feeds behind: {behind[:10]} ({len(behind)}); failing: {failing}; "
            f"not sent: {pending}; outbox: {db.delivery_statuses()}")


@pytest.fixture
async def feeds() -> AsyncIterator[RotatingFeeds]:
    server = RotatingFeeds()
    await server.start()
    yield server
    await server.close()


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
async def test_three_workers_share_feeds_and_survive_kills(
    store_url: str, tmp_path: Path, fake_slack: FakeSlack, feeds: RotatingFeeds
) -> None:
    config = write_config(
        tmp_path / "newsbot.yaml",
        feeds=[{"url": f"{feeds.base}/feed/{n}", "interval": f"{INTERVAL_S}s"}
               for n in range(FEEDS)],
        watchlists=[{"name": "topics", "keywords": [
            {"key": f"TOPIC{c:02d}", "terms": [term(c)]} for c in range(CHANNELS)]}],
        channels=[{"adapter": "slack", "id": f"C{c:04d}", "subscribe": [f"TOPIC{c:02d}"]}
                  for c in range(CHANNELS)])
    env = worker_env(database_url=store_url, config=config, slack=fake_slack,
                     poll_tick_s=0.25, deliver_tick_s=0.25, feed_lease_s=FEED_LEASE_S,
                     delivery_lease_s=DELIVERY_LEASE_S, alert_max_per_hour=0,
                     digest_max_items=100,
                     # small batches: a claim covers few polls, so a worker short of CPU
                     # still records its polls within the lease
                     fetch_concurrency=4,
                     # the 200 loopback feeds stand in for feeds on many hosts
                     fetch_per_host=4)
    db = Db(store_url)
    posts = Posts(fake_slack)
    started = time.monotonic()
    marks: dict[str, float] = {}
    try:
        workers = [await start_worker(env, cwd=tmp_path, name=f"w{i}") for i in range(3)]
        async with running(*workers) as fleet:
            await wait_until(lambda: feeds.rounds_done(1), within_s=60, what="round 1",
                             workers=fleet)
            feeds.gate_round = 2  # (round 2 starts an interval later)
            marks["round 1"] = time.monotonic() - started

            # round 2: park the fetches, kill the worker holding most feed claims
            await wait_until(lambda: feeds.parked, within_s=30, what="round 2", workers=fleet)
            check_intervals(feeds, kills=(), workers=fleet)  # rounds 1, 2: nobody died yet
            owners = {w: len(claims_of(db, w)) for w in fleet}
            first = await kill(max(owners, key=lambda w: owners[w]), db)
            feeds.gate.set()
            assert first.feeds, "the killed worker held no feed claim"
            survivors = [w for w in fleet if w is not first.worker]
            await wait_until(lambda: feeds.rounds_done(2) and not db.delivery_statuses()
                             .get("pending"), within_s=30, every_s=0.2, workers=survivors,
                             what=lambda: f"round 2 delivered; {stuck(feeds, db, 2)}")
            marks["round 2"] = time.monotonic() - started

            # round 3: park the next message before it is posted, kill its sender
            hold = fake_slack.hold_next(Hold(stage="before"))
            await wait_until(hold.arrived.is_set, within_s=30, what="a round-3 post",
                             workers=survivors)
            assert hold.request is not None
            channel = hold.request[CALL].body["channel"]
            senders = db.rows(
                "SELECT DISTINCT d.lease_owner FROM deliveries d JOIN channels c "
                "ON c.id = d.channel_id WHERE c.external_id = :channel AND "
                "d.status = 'pending' AND d.lease_owner IS NOT NULL", channel=channel)
            [victim] = [w for w in survivors
                        if any(str(o).endswith(w.owner_suffix) for (o,) in senders)]
            second = await kill(victim, db)
            await wait_until(hold.gone.is_set, within_s=5, what="the dead connection")
            hold.release()
            [last] = [w for w in survivors if w is not victim]
            await wait_until(lambda: feeds.rounds_done(3), within_s=30, what="round 3",
                             workers=[last])
            feeds.frozen = True  # no new stories: what was served can all be delivered
            await wait_until(
                lambda: feeds.served() <= set(posts.counts())
                and db.delivery_statuses().keys() == {"sent"},
                within_s=30, every_s=0.2, workers=[last], what=lambda: (
                    f"every story posted; missing: "
                    f"{sorted(feeds.served() - set(posts.counts()))[:10]}; "
                    f"{stuck(feeds, db, 3)}"))
            marks["all delivered"] = time.monotonic() - started
            assert await last.stop() == 0, last.tail()
        assert db.delivery_statuses() == {"sent": len(feeds.served())}
        assert second.deliveries, "the worker killed mid-send held no delivery"
        taken_over = db.rows("SELECT id, sent_at FROM deliveries WHERE id = ANY(:ids)",
                             ids=list(second.deliveries))
        for row_id, sent_at in taken_over:  # sent by the survivor once the lease was over
            assert sent_at.timestamp() >= second.deliveries[row_id] - EPSILON_S

        # every story served was posted exactly once
        counts = posts.counts()
        assert set(counts) == feeds.served()
        twice = {story: posts.stories[story] for story, n in counts.items() if n != 1}
        assert not twice, (twice, db.rows(
            "SELECT e.uid, d.attempts, d.created_at, d.sent_at FROM deliveries d "
            "JOIN entries e ON e.id = d.entry_id WHERE e.uid = ANY(:uids)",
            uids=[f"g:{story_link(*story)}" for story in twice]))
    finally:
        db.close()

    for log in feeds.logs:
        assert len(log.fetches) >= 3, log.fetches
    check_intervals(feeds, kills=(first, second), workers=workers)
    print(f"\n3 workers, {FEEDS} feeds, {len(feeds.served())} stories; killed "
          f"{first.worker.name} ({len(first.feeds)} feed claims), {second.worker.name} "
          "(mid-send); "
          + ", ".join(f"{k} at {v:.1f}s" for k, v in marks.items()))
