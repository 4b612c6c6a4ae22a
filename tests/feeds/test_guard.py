"""The network guard (SSRF): decisions on addresses, URL literals in every spelling, and the
connect-time gate in the real fetch path.

No test here opens a connection to a non-loopback address: decisions are tested on address
values, DNS answers (including rebinding) come from a stub resolver, and the real fetch path
is probed only with loopback spellings against servers on 127.0.0.1 / 127.0.0.2.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.errors import FetchError
from bot.feeds.fetch import HttpFetcher
from bot.feeds.guard import (
    AddressRefused,
    GuardedResolver,
    NetworkGuard,
    parse_ip_literal,
    refusal,
)

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
UA = "newsbot-test/1.0"
DEFAULT = NetworkGuard()
LOOPBACK = NetworkGuard(allow_networks=["127.0.0.0/8"])
ONLY_127_0_0_1 = NetworkGuard(allow_networks=["127.0.0.1/32"])


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


# --- decisions on addresses (pure) -------------------------------------------------------------

REFUSED = [
    ("0.0.0.0", "unspecified"), ("0.1.2.3", "unspecified"), ("::", "unspecified"),
    ("127.0.0.1", "loopback"), ("127.255.255.254", "loopback"), ("::1", "loopback"),
    ("10.0.0.1", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"),
    ("192.168.1.1", "private"), ("fd12:3456::1", "private"), ("fc00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("100.64.0.1", "carrier-grade NAT"), ("100.127.255.254", "carrier-grade NAT"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"), ("fec0::1", "site-local"),
    ("::7f00:1", "reserved"),  # IPv4-compatible ::127.0.0.1
    ("192.0.2.10", "not globally routable"), ("198.18.0.1", "not globally routable"),
    ("2001:db8::1", "not globally routable"),
    # IPv6 forms carrying a refused IPv4 address
    ("::ffff:127.0.0.1", "loopback address (127.0.0.1) in IPv6 form"),
    ("::ffff:10.0.0.1", "private address (10.0.0.1) in IPv6 form"),
    ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a9fe:a9fe", "link-local address (169.254.169.254) in IPv6 form"),
    ("2002:7f00:1::1", "6to4 address embedding a loopback address (127.0.0.1)"),
    ("2002:c0a8:101::1", "6to4 address embedding a private address (192.168.1.1)"),
    # Teredo: server 65.54.227.120, client 127.0.0.1 (stored inverted: 0x80ff fffe)
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo address embedding a loopback address"),
    ("2001:0:4136:e378:8000:63bf:a247:27dd", "Teredo tunnel address"),  # public client
]

ALLOWED = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1",
           "172.15.255.255", "172.32.0.1", "11.0.0.1", "2606:4700::1111", "2a00:1450::1",
           "::ffff:93.184.216.34", "64:ff9b::808:808", "2002:5db8:d822::1"]


@pytest.mark.parametrize(("address", "reason"), REFUSED, ids=[a for a, _ in REFUSED])
def test_refused_addresses(address: str, reason: str) -> None:
    why = refusal(ip(address))
    assert why is not None and reason in why
    assert not DEFAULT.is_allowed(ip(address))
    with pytest.raises(AddressRefused, match="refused: "):
        DEFAULT.check_address(ip(address))


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(ip(address)) is None
    assert DEFAULT.is_allowed(ip(address))
    DEFAULT.check_address(ip(address))


@pytest.mark.parametrize(
    ("networks", "address", "allowed"),
    [(["127.0.0.0/8"], "127.0.0.1", True), (["127.0.0.0/8"], "127.8.9.10", True),
     (["127.0.0.0/8"], "::ffff:127.0.0.1", True),  # the same address in IPv6 form
     (["127.0.0.0/8"], "::1", False), (["127.0.0.0/8"], "10.0.0.1", False),
     (["127.0.0.1/32"], "127.0.0.2", False), (["127.0.0.1"], "127.0.0.1", True),
     (["10.1.0.0/16", "fd00::/8"], "10.1.2.3", True), (["10.1.0.0/16"], "10.2.0.1", False),
     (["10.1.0.0/16", "fd00::/8"], "fd00::5", True), (["::1/128"], "::1", True),
     (["192.168.1.7/24"], "192.168.1.200", True),  # host bits are forgiven
     ([], "8.8.8.8", True), (["10.0.0.0/8"], "8.8.8.8", True)],  # the list only adds
)
def test_allow_list(networks: list[str], address: str, allowed: bool) -> None:
    assert NetworkGuard(allow_networks=networks).is_allowed(ip(address)) is allowed


@pytest.mark.parametrize("bad", ["127.0.0.0/33", "localhost", "10.0.0.0/8/8", ""])
def test_allow_list_entries_must_be_networks(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a network"):
        NetworkGuard(allow_networks=[bad])


# --- URL literals in every spelling ------------------------------------------------------------

@pytest.mark.parametrize(
    ("host", "address"),
    [("127.0.0.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"),
     ("0X7F000001", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
     ("127.1", "127.0.0.1"), ("127.0.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
     ("127.0.0.1.", "127.0.0.1"), ("0", "0.0.0.0"), ("10.0x10.0.1", "10.16.0.1"),
     ("3232235777", "192.168.1.1"), ("0xa9fea9fe", "169.254.169.254"),
     ("::ffff:7f00:1", "::ffff:127.0.0.1"), ("[::1]", "::1"), ("::1", "::1"),
     ("example.org", None), ("localhost", None), ("127.0.0.1.nip.io", None),
     ("1.2.3.example", None), ("0x7g.0.0.1", None), ("08.0.0.1", None)],
)
def test_parse_ip_literal(host: str, address: str | None) -> None:
    parsed = parse_ip_literal(host)
    assert (None if parsed is None else str(parsed)) == (
        None if address is None else str(ip(address)))


@pytest.mark.parametrize("host", ["1.2.3.256", "4294967296", "256.1", "1.2.65536"])
def test_out_of_range_numeric_hosts_are_invalid(host: str) -> None:
    with pytest.raises(ValueError, match="not a valid IPv4 address"):
        parse_ip_literal(host)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("ftp://example.org/feed", "unsupported URL scheme"),
     ("file:///etc/passwd", "unsupported URL scheme"),
     ("gopher://127.0.0.1:70/", "unsupported URL scheme"),
     ("http:///feed", "no host"),
     ("http://127.0.0.1/feed", "refused: 127.0.0.1 is a loopback address"),
     ("http://2130706433/", "refused: 2130706433 (127.0.0.1) is a loopback address"),
     ("http://0x7f000001:8080/", "(127.0.0.1) is a loopback address"),
     ("http://127.1/", "(127.0.0.1) is a loopback address"),
     ("http://0177.0.0.1/", "(127.0.0.1) is a loopback address"),
     ("http://[::ffff:127.0.0.1]/", "loopback address (127.0.0.1) in IPv6 form"),
     ("http://[::1]:80/", "loopback"), ("https://10.1.2.3/rss", "private"),
     ("http://169.254.169.254/latest/meta-data/", "link-local"),
     ("http://0xa9fea9fe/", "link-local"), ("http://100.64.0.1/", "carrier-grade NAT"),
     ("http://0.0.0.0:80/", "unspecified"), ("http://[fe80::1%25eth0]/", "link-local"),
     ("http://user:pw@192.168.0.1/", "private"), ("http://1.2.3.256/", "invalid URL")],
)
def test_check_url_refuses(url: str, fragment: str) -> None:
    with pytest.raises(FetchError) as caught:
        DEFAULT.check_url(url)
    assert fragment in str(caught.value) and not caught.value.transient
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize("url", ["https://example.org/feed", "http://93.184.216.34/rss",
                                 "http://[2606:4700::1111]/", "HTTPS://Example.org:8443/x",
                                 "http://localhost/"])  # names are judged when resolved
def test_check_url_passes(url: str) -> None:
    DEFAULT.check_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [("http://2130706433:81/f?x=1", "http://127.0.0.1:81/f?x=1"),
     ("http://127.1/f", "http://127.0.0.1/f"), ("http://0x7f000001/", "http://127.0.0.1/"),
     ("http://127.0.0.1:81/", "http://127.0.0.1:81/"),
     ("http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/"),
     ("http://localhost:81/", "http://localhost:81/")],
)
def test_allowed_literals_are_fetched_at_their_canonical_address(url: str,
                                                                 expected: str) -> None:
    assert str(LOOPBACK.checked_url(url)) == expected


# --- DNS answers, through a stub resolver (nothing is resolved or connected) ------------------

@dataclass
class StubResolver(AbstractResolver):
    """Answers from a table; a list of lists answers in turn (the last one repeats), which is
    how DNS rebinding looks: a harmless address first, an internal one later."""

    answers: dict[str, list[list[str]]]
    asked: list[str] = field(default_factory=list)

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        turns = self.answers.get(host)
        if not turns:
            raise OSError(f"stub: no answer for {host}")
        addresses = turns.pop(0) if len(turns) > 1 else turns[0]
        return [{"hostname": host, "host": a, "port": port,
                 "family": socket.AF_INET6 if ":" in a else socket.AF_INET,
                 "proto": 0, "flags": 0} for a in addresses]

    async def close(self) -> None:
        pass


async def test_resolver_drops_refused_addresses() -> None:
    stub = StubResolver({"mixed.test": [["10.0.0.7", "93.184.216.34", "::1",
                                         "2606:4700::1111"]]})
    answers = await GuardedResolver(DEFAULT, stub).resolve("mixed.test", 80)
    assert [a["host"] for a in answers] == ["93.184.216.34", "2606:4700::1111"]


@pytest.mark.parametrize(
    ("addresses", "fragment"),
    [(["127.0.0.1"], "127.0.0.1: a loopback address"),
     (["10.0.0.7", "192.168.0.1"], "10.0.0.7: a private address; 192.168.0.1: a private"),
     (["169.254.169.254"], "link-local"), (["::ffff:10.0.0.7"], "in IPv6 form"),
     (["fd00::1", "fe80::1"], "fd00::1: a private address; fe80::1: a link-local")],
)
async def test_resolver_refuses_a_name_with_only_internal_addresses(addresses: list[str],
                                                                    fragment: str) -> None:
    resolver = GuardedResolver(DEFAULT, StubResolver({"internal.test": [addresses]}))
    with pytest.raises(AddressRefused) as caught:
        await resolver.resolve("internal.test", 80)
    message = str(caught.value)
    assert message.startswith("refused: internal.test resolves only to refused addresses")
    assert fragment in message


async def test_resolver_applies_the_allow_list() -> None:
    stub = StubResolver({"intranet.test": [["10.1.2.3", "10.9.9.9"]]})
    guard = NetworkGuard(allow_networks=["10.1.0.0/16"])
    answers = await GuardedResolver(guard, stub).resolve("intranet.test", 80)
    assert [a["host"] for a in answers] == ["10.1.2.3"]


async def test_rebinding_is_judged_on_every_answer() -> None:
    # first answer public, the next one internal: each resolution is checked on its own
    stub = StubResolver({"rebind.test": [["93.184.216.34"], ["127.0.0.1"]]})
    resolver = GuardedResolver(DEFAULT, stub)
    assert [a["host"] for a in await resolver.resolve("rebind.test", 80)] == ["93.184.216.34"]
    with pytest.raises(AddressRefused, match="loopback"):
        await resolver.resolve("rebind.test", 80)
    assert stub.asked == ["rebind.test", "rebind.test"]


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_socket_factory_refuses_before_creating_a_socket(address: str) -> None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with pytest.raises(AddressRefused, match="refused: "):
        DEFAULT.open_socket((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, 80)))


def test_socket_factory_opens_allowed_addresses() -> None:
    sock = LOOPBACK.open_socket((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "",
                                 ("127.0.0.1", 80)))
    with sock:  # created, never connected
        assert sock.family == socket.AF_INET


# --- the real fetch path, loopback only -------------------------------------------------------

@dataclass
class Servers:
    """Two loopback servers: `main` on 127.0.0.1 and `other` on 127.0.0.2 (a loopback address
    that an allow list of 127.0.0.1/32 does not cover)."""

    main: str
    other: str
    main_port: int
    other_port: int
    hits: list[str] = field(default_factory=list)


def build_app(servers: Servers, name: str) -> web.Application:
    async def feed(request: web.Request) -> web.Response:
        servers.hits.append(f"{name}{request.path}")
        return web.Response(body=FEED, content_type="application/rss+xml")

    async def redirect(request: web.Request) -> web.Response:
        servers.hits.append(f"{name}{request.path}")
        raise web.HTTPFound(request.query["to"])

    app = web.Application()
    app.router.add_get("/feed", feed)
    app.router.add_get("/redirect", redirect)
    return app


@pytest.fixture
async def servers() -> AsyncIterator[Servers]:
    state = Servers("", "", 0, 0)
    runners = []
    ports = []
    for name, host in (("main", "127.0.0.1"), ("other", "127.0.0.2")):
        runner = web.AppRunner(build_app(state, name))
        await runner.setup()
        site = web.TCPSite(runner, host, 0)
        await site.start()
        ports.append(runner.addresses[0][1])
        runners.append(runner)
    state.main_port, state.other_port = ports
    state.main = f"http://127.0.0.1:{ports[0]}"
    state.other = f"http://127.0.0.2:{ports[1]}"
    yield state
    for runner in runners:
        await runner.cleanup()


def _dual_stack() -> bool:
    """Can an IPv6 socket reach IPv4 loopback through ::ffff:127.0.0.1 here?"""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            return probe.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 0
    except OSError:
        return False


SPELLINGS = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1", "localhost",
             pytest.param("[::ffff:127.0.0.1]", marks=pytest.mark.skipif(
                 not _dual_stack(), reason="no IPv4-mapped IPv6 on this machine"))]


@pytest.mark.parametrize("host", SPELLINGS)
async def test_loopback_spellings_are_refused_by_default(servers: Servers, host: str) -> None:
    async with HttpFetcher(user_agent=UA, total_timeout_s=5) as http:
        with pytest.raises(FetchError, match="refused") as caught:
            await http.fetch(f"http://{host}:{servers.main_port}/feed")
    assert not caught.value.transient and "loopback" in str(caught.value)
    assert servers.hits == []


@pytest.mark.parametrize("host", SPELLINGS)
async def test_loopback_spellings_are_fetched_when_allowed(servers: Servers, host: str) -> None:
    async with HttpFetcher(user_agent=UA, total_timeout_s=5, guard=LOOPBACK) as http:
        result = await http.fetch(f"http://{host}:{servers.main_port}/feed")
    assert result.status == 200 and result.body == FEED
    assert servers.hits == ["main/feed"]


@pytest.mark.parametrize(
    ("target", "fragment"),
    [("http://127.0.0.2:{other}/feed", "refused: 127.0.0.2 is a loopback address"),
     ("http://[::1]:{other}/feed", "refused: ::1 is a loopback address"),
     ("http://2130706434:{other}/feed", "legacy spelling"),
     ("http://0x7f000002:{other}/feed", "resolves only to refused addresses")],
    ids=["literal", "ipv6-literal", "decimal", "hex"],
)
async def test_redirect_to_a_refused_address_is_refused(servers: Servers, target: str,
                                                        fragment: str) -> None:
    url = target.format(other=servers.other_port)
    async with HttpFetcher(user_agent=UA, total_timeout_s=5, guard=ONLY_127_0_0_1) as http:
        with pytest.raises(FetchError) as caught:
            await http.fetch(f"{servers.main}/redirect?to={url}")
    assert fragment in str(caught.value) and not caught.value.transient
    assert servers.hits == ["main/redirect"]  # the refused server never saw a request


async def test_redirect_to_a_name_that_resolves_internally_is_refused(servers: Servers) -> None:
    stub = StubResolver({"evil.test": [["127.0.0.2"]]})
    http = HttpFetcher(user_agent=UA, total_timeout_s=5, guard=ONLY_127_0_0_1,
                       connector_factory=lambda: ONLY_127_0_0_1.connector(resolver=stub))
    async with http:
        with pytest.raises(FetchError, match=r"evil\.test resolves only to refused") as caught:
            await http.fetch(f"{servers.main}/redirect?to="
                             f"http://evil.test:{servers.other_port}/feed")
    assert not caught.value.transient
    assert stub.asked == ["evil.test"] and servers.hits == ["main/redirect"]


async def test_dns_rebinding_is_caught_at_connect_time(servers: Servers) -> None:
    # the name first resolves to the allowed 127.0.0.1, then to 127.0.0.2 (refused by the
    # allow list 127.0.0.1/32); every connection resolves afresh and is checked then
    stub = StubResolver({"feed.test": [["127.0.0.1"], ["127.0.0.2"]]})

    def connector() -> aiohttp.BaseConnector:
        return ONLY_127_0_0_1.connector(resolver=stub, use_dns_cache=False, force_close=True)

    async with HttpFetcher(user_agent=UA, total_timeout_s=5, guard=ONLY_127_0_0_1,
                           connector_factory=connector) as http:
        first = await http.fetch(f"http://feed.test:{servers.main_port}/feed")
        assert first.body == FEED
        with pytest.raises(FetchError, match=r"feed\.test resolves only to refused") as caught:
            await http.fetch(f"http://feed.test:{servers.main_port}/feed")
    assert not caught.value.transient
    assert servers.hits == ["main/feed"]

