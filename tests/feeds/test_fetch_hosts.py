"""The per-host limit of HttpFetcher against real servers on two loopback hosts (127.0.0.1
and 127.0.0.2): at most N requests in flight to one host, while the other host proceeds."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.feeds.fetch import HostSlots, HttpFetcher
from bot.feeds.guard import NetworkGuard

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
LOOPBACK = NetworkGuard(allow_networks=["127.0.0.0/8"])
HOSTS = ("127.0.0.1", "127.0.0.2")


@dataclass
class Hosts:
    """Each request waits for `gate`; in-flight and peak counts per host."""

    bases: dict[str, str] = field(default_factory=dict)
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: Counter[str] = field(default_factory=Counter)
    peak: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def handle(self, request: web.Request) -> web.Response:
        host = request.host.rsplit(":", 1)[0]
        self.hits[host] += 1
        self.in_flight[host] += 1
        self.peak[host] = max(self.peak[host], self.in_flight[host])
        async with self.arrived:
            self.arrived.notify_all()
        try:
            await asyncio.wait_for(self.gate.wait(), timeout=10)
        finally:
            self.in_flight[host] -= 1
        return web.Response(body=FEED, content_type="application/rss+xml")

    async def until(self, wanted: dict[str, int]) -> None:
        """Wait (briefly) until these hosts have these many requests in flight."""
        async with asyncio.timeout(5), self.arrived:
            await self.arrived.wait_for(
                lambda: all(self.in_flight[h] >= n for h, n in wanted.items()))


@pytest.fixture
async def hosts() -> AsyncIterator[Hosts]:
    state = Hosts()
    app = web.Application()
    app.router.add_get("/{name}", state.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    for host in HOSTS:
        site = web.TCPSite(runner, host, 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        state.bases[host] = f"http://{host}:{port}"
    yield state
    state.gate.set()
    await runner.cleanup()


@pytest.mark.parametrize("per_host", [1, 2, 3])
async def test_at_most_n_in_flight_per_host_while_another_host_proceeds(
        hosts: Hosts, per_host: int) -> None:
    busy, other = HOSTS
    async with HttpFetcher(user_agent="t", guard=LOOPBACK, per_host=per_host,
                           total_timeout_s=10) as http:
        jobs = [asyncio.create_task(http.fetch(f"{hosts.bases[busy]}/f{i}")) for i in range(6)]
        jobs += [asyncio.create_task(http.fetch(f"{hosts.bases[other]}/g{i}"))
                 for i in range(per_host)]
        # the other host gets its requests in while the busy one is at its limit
        await hosts.until({busy: per_host, other: per_host})
        await asyncio.sleep(0.1)  # time for any request over the limit to arrive
        assert hosts.hits == {busy: per_host, other: per_host}
        hosts.gate.set()
        results = await asyncio.gather(*jobs)
    assert all(r.body == FEED for r in results)
    assert hosts.hits == {busy: 6, other: per_host}
    assert hosts.peak == {busy: per_host, other: per_host}


async def test_waiting_for_a_busy_host_is_not_counted_against_the_deadline(
        hosts: Hosts) -> None:
    busy = HOSTS[0]
    async with HttpFetcher(user_agent="t", guard=LOOPBACK, per_host=1,
                           total_timeout_s=1.0) as http:
        jobs = [asyncio.create_task(http.fetch(f"{hosts.bases[busy]}/f{i}")) for i in range(3)]
        await hosts.until({busy: 1})

        async def release_slowly() -> None:  # each request takes 0.6 s: 1.8 s in all
            while hosts.hits[busy] < 3 or hosts.in_flight[busy]:
                await asyncio.sleep(0.6)
                hosts.gate.set()
                await asyncio.sleep(0)
                hosts.gate.clear()

        releaser = asyncio.create_task(release_slowly())
        results = await asyncio.gather(*jobs)
        releaser.cancel()
    assert [r.status for r in results] == [200, 200, 200]


async def test_host_slots_are_forgotten_when_unused() -> None:
    slots = HostSlots(1)
    async with slots.hold("a.example"), slots.hold("b.example"):
        assert len(slots._hosts) == 2
    assert slots._hosts == {}
    with pytest.raises(ValueError, match="at least 1"):
        HostSlots(0)
