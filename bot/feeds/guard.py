"""The network guard against server-side request forgery (SSRF): admins can add any URL, and a
feed must never make the bot fetch from the machine it runs on or the network behind it.

Rules (each lives only here):
- Only http and https URLs with a host are fetched.
- An address is refused when it is unspecified (0.0.0.0/8, ::), loopback, link-local,
  multicast, carrier-grade NAT (100.64.0.0/10), private (RFC 1918, fc00::/7), IPv6 site-local,
  reserved (240.0.0.0/4 and broadcast, ::/8 incl. IPv4-compatible addresses) or otherwise
  special-purpose and not globally routable (documentation, benchmarking, …).
- An IPv6 address that carries an IPv4 address is judged by it: IPv4-mapped (::ffff:a.b.c.d)
  and NAT64 (64:ff9b::/96) addresses are exactly their IPv4 address; a 6to4 (2002::/16) or
  Teredo (2001::/32) address embedding a refused IPv4 address is refused (Teredo always is:
  it is not globally routable).
- `allow_networks` (the setting `NEWSBOT_FETCH_ALLOW_NETWORKS`) exempts addresses inside those
  networks, e.g. 127.0.0.0/8 for a feed served on the same machine.
- IPv4 literals are read as browsers and `inet_aton` read them — `2130706433`, `0x7f000001`,
  `0177.0.0.1`, `127.1` are all 127.0.0.1 — so a spelling cannot slip past the check, and
  an allowed one is fetched at its canonical dotted-quad address.

Where: `check_url` refuses a URL early, with a clear reason (also at add time), but the
decision that counts is made at **connect time**: `connector()` builds an aiohttp connector
whose resolver drops refused addresses from every DNS answer (and fails when none is left),
and whose socket factory refuses every address a socket is about to connect to. So redirects
(each hop connects anew) and DNS rebinding (the address checked is the address connected to)
are covered too.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohappyeyeballs import AddrInfoType
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from bot.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network
# (network, what it is); the first that contains an address names the reason it is refused
_REFUSED_V4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/8"), "an unspecified address"),
    (_V4("127.0.0.0/8"), "a loopback address"),
    (_V4("169.254.0.0/16"), "a link-local address"),
    (_V4("224.0.0.0/4"), "a multicast address"),
    (_V4("100.64.0.0/10"), "a carrier-grade NAT address"),
    (_V4("10.0.0.0/8"), "a private address"),
    (_V4("172.16.0.0/12"), "a private address"),
    (_V4("192.168.0.0/16"), "a private address"),
    (_V4("240.0.0.0/4"), "a reserved address"),
)
_REFUSED_V6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "an unspecified address"),
    (_V6("::1/128"), "a loopback address"),
    (_V6("fe80::/10"), "a link-local address"),
    (_V6("ff00::/8"), "a multicast address"),
    (_V6("fc00::/7"), "a private address"),
    (_V6("fec0::/10"), "a site-local address"),
    (_V6("::/8"), "a reserved address"),  # IPv4-compatible ::a.b.c.d included
)
_NAT64 = _V6("64:ff9b::/96")
_SIXTOFOUR = _V6("2002::/16")
_TEREDO = _V6("2001::/32")


class AddressRefused(OSError):
    """Raised at connect time for a refused address. An `OSError`, because that is what aiohttp
    expects from resolvers and sockets; `bot.feeds.fetch` turns it into a permanent
    `FetchError` carrying `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(errno.EACCES, reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def refusal(ip: IPAddress) -> str | None:
    """Why `ip` must not be fetched from ("a loopback address"), or None when it may. Pure:
    the allow list is not consulted here (see `NetworkGuard.is_allowed`)."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(int(ip))  # without a zone (%eth0)
        mapped = ip.ipv4_mapped or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
                                    if ip in _NAT64 else None)
        if mapped is not None:
            inner = refusal(mapped)
            return None if inner is None else f"{inner} ({mapped}) in IPv6 form"
        if ip in _SIXTOFOUR and ip.sixtofour is not None and (
                inner := refusal(ip.sixtofour)) is not None:
            return f"a 6to4 address embedding {inner} ({ip.sixtofour})"
        if ip in _TEREDO and ip.teredo is not None:
            for embedded in ip.teredo:
                if (inner := refusal(embedded)) is not None:
                    return f"a Teredo address embedding {inner} ({embedded})"
            return "a Teredo tunnel address"
        table: Sequence[tuple[IPNetwork, str]] = _REFUSED_V6
    else:
        table = _REFUSED_V4
    for network, what in table:
        if ip in network:
            return what
    if not ip.is_global:
        return "a special-purpose address that is not globally routable"
    return None


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a URL host denotes when it is an IP literal, in any spelling that
    `inet_aton` or a browser accepts: `2130706433`, `0x7f000001`, `0177.0.0.1`, `127.1`,
    `127.0.0.1.`, `::ffff:7f00:1`, `[::1]`. None for a name.

    Raises `ValueError` for a host that is numeric like an IPv4 address but out of range
    (`1.2.3.256`): no resolver agrees on what such a host means, so it is never fetched."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    return _parse_ipv4(text)


def _parse_ipv4(text: str) -> ipaddress.IPv4Address | None:
    # WHATWG URL "IPv4 parser": 1-4 parts, each decimal, octal (leading 0) or hex (0x)
    body = text[:-1] if text.endswith(".") else text
    parts = body.split(".")
    if not 1 <= len(parts) <= 4 or not all(parts):
        return None
    numbers: list[int] = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None:
            return None  # a name (at least one label is not a number)
        numbers.append(number)
    last = numbers.pop()
    if any(n > 255 for n in numbers) or last >= 256 ** (4 - len(numbers)):
        raise ValueError(f"{text!r} is not a valid IPv4 address")
    value = last
    for index, number in enumerate(numbers):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _ipv4_number(part: str) -> int | None:
    if not part.isascii():
        return None
    lowered = part.lower()
    if lowered.startswith("0x"):
        digits, base, allowed = lowered[2:], 16, "0123456789abcdef"
    elif len(part) > 1 and part.startswith("0"):
        digits, base, allowed = part[1:], 8, "01234567"
    else:
        digits, base, allowed = part, 10, "0123456789"
    if not all(c in allowed for c in digits):
        return None
    return int(digits, base) if digits else 0


def parse_http_url(url: str) -> URL:
    """The URL, when it is an http(s) URL with a host; else a permanent `FetchError`. The URL
    itself stays out of messages: it may carry credentials."""
    try:
        target = URL(url.strip())
    except (ValueError, TypeError):
        raise FetchError("invalid URL", transient=False) from None
    if target.scheme.lower() not in ("http", "https"):
        raise FetchError(f"unsupported URL scheme: {target.scheme or '(none)'!r}",
                         transient=False)
    if not target.host:
        raise FetchError("invalid URL: no host", transient=False)
    return target


def _allow_list(networks: Sequence[str]) -> tuple[IPNetwork, ...]:
    parsed: list[IPNetwork] = []
    for raw in networks:
        try:
            parsed.append(ipaddress.ip_network(raw.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{raw!r} is not a network like 10.0.0.0/8 or fd00::/8") from None
    return tuple(parsed)


class NetworkGuard:
    """Decides which addresses feeds may be fetched from; see the module docstring."""

    def __init__(self, *, allow_networks: Sequence[str] = ()) -> None:
        self.allow_networks = _allow_list(allow_networks)

    def is_allowed(self, ip: IPAddress) -> bool:
        return self._listed(ip) or refusal(ip) is None

    def _listed(self, ip: IPAddress) -> bool:
        candidates: list[IPAddress] = [ip]
        if isinstance(ip, ipaddress.IPv6Address):
            candidates = [ipaddress.IPv6Address(int(ip))]  # without a zone (%eth0)
            if ip.ipv4_mapped is not None:
                candidates.append(ip.ipv4_mapped)
        return any(c in net for c in candidates for net in self.allow_networks
                   if c.version == net.version)

    def check_address(self, ip: IPAddress) -> None:
        """Raise `AddressRefused` unless `ip` may be connected to."""
        if not self.is_allowed(ip):
            raise AddressRefused(f"refused: {ip} is {refusal(ip)}")

    def check_url(self, url: str) -> None:
        """Raise a permanent `FetchError` when `url` must not be fetched: not http(s), no host,
        or a host that is an IP literal in a refused range (in any spelling). Names are
        judged when they are resolved, at connect time."""
        self.checked_url(url)

    def checked_url(self, url: str) -> URL:
        """`check_url`, returning the URL to request: an IPv4 literal host in a legacy
        spelling (`127.1`) is written as its dotted quad, the address that is checked."""
        target = parse_http_url(url)
        host = target.raw_host or ""
        try:
            ip = parse_ip_literal(host)
        except ValueError as exc:
            raise FetchError(f"invalid URL: {exc}", transient=False) from None
        if ip is None:
            return target
        if not self.is_allowed(ip):
            shown = str(ip) if host.strip("[]") == str(ip) else f"{host} ({ip})"
            raise FetchError(f"refused: {shown} is {refusal(ip)}", transient=False)
        if isinstance(ip, ipaddress.IPv4Address) and host != str(ip):
            return target.with_host(str(ip))
        return target

    # --- connect time ---------------------------------------------------------------------

    def connector(self, *, resolver: AbstractResolver | None = None,
                  **kwargs: Any) -> aiohttp.TCPConnector:
        """An aiohttp connector that applies the guard to every connection it opens.
        `resolver` is the resolver to wrap (aiohttp's default when None; tests pass a stub)."""
        return aiohttp.TCPConnector(
            resolver=GuardedResolver(self, resolver or DefaultResolver()),
            socket_factory=self.open_socket, **kwargs)

    def open_socket(self, addr_info: AddrInfoType) -> socket.socket:
        """aiohttp's socket factory: the last gate, on the address about to be connected to
        (an IP literal in a redirect never passes through the resolver)."""
        family, type_, proto, _, address = addr_info
        self.check_address(_address_of(str(address[0])))
        return socket.socket(family=family, type=type_, proto=proto)


def _address_of(text: str) -> IPAddress:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise AddressRefused(f"refused: {text!r} is not an IP address") from None


class GuardedResolver(AbstractResolver):
    """Wraps a resolver: refused addresses are dropped from every answer, and a name with
    nothing left fails with `AddressRefused` (not retried as a DNS failure would be)."""

    def __init__(self, guard: NetworkGuard, inner: AbstractResolver) -> None:
        self._guard = guard
        self._inner = inner

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        answers = await self._inner.resolve(host, port, family)
        allowed: list[ResolveResult] = []
        refused: list[str] = []
        for answer in answers:
            try:
                ip = ipaddress.ip_address(answer["host"])
            except ValueError:
                refused.append(f"{answer['host']!r}: not an IP address")
                continue
            if self._guard.is_allowed(ip):
                allowed.append(answer)
            else:
                refused.append(f"{ip}: {refusal(ip)}")
        if not allowed:
            listed = "; ".join(dict.fromkeys(refused)) or "no addresses"
            raise AddressRefused(f"refused: {host} resolves only to refused addresses "
                                 f"({listed})")
        return allowed

    async def close(self) -> None:
        await self._inner.close()

