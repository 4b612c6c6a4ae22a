"""HTTP(S) feed fetching with aiohttp: conditional GET, deadlines, a body cap, and every
failure turned into one `FetchError` that says whether trying again later can help.

The cap counts decompressed bytes while streaming, so a gzip bomb stops at the cap instead of
filling memory. Every fetch goes through a `NetworkGuard` (`bot.feeds.guard`, SSRF): the URL is
checked first, and the session's connector refuses internal addresses at connect time, for
every redirect hop and every DNS answer. Without `guard=` the default guard refuses all of
them; a custom `connector_factory` replaces the guarded connector and must apply the guard
itself (`guard.connector(...)`).

At most `per_host` fetches run at once against one host name (politeness: feeds often share a
host); the others wait for a slot before their deadline starts, so waiting on a busy host never
turns into a timeout. Redirects to other hosts count against the first host's slot.

Permanent redirects are reported, not acted on: `FetchResult.permanent_url` is where the
chain's leading 301/308 hops led; `bot.core.redirects` decides when the stored URL follows.
"""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import TracebackType
from typing import Self

import aiohttp
from multidict import CIMultiDictProxy
from yarl import URL

from bot.errors import FetchError
from bot.feeds.guard import AddressRefused, NetworkGuard
from bot.ports import FetchResult

ACCEPT = ("application/rss+xml, application/atom+xml, application/rdf+xml, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
MAX_RETRY_AFTER_S = 7 * 24 * 3600.0  # a server asking for more is broken; keep dates sane
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})  # the ones aiohttp follows
_PERMANENT = frozenset({301, 308})


def _utc_now() -> datetime:
    return datetime.now(UTC)


class HostSlots:
    """At most `limit` holders at once per host; a host's entry lives only while in use."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("the per-host limit must be at least 1")
        self._limit = limit
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        slot, users = self._hosts.get(host) or (asyncio.Semaphore(self._limit), 0)
        self._hosts[host] = (slot, users + 1)
        try:
            async with slot:
                yield
        finally:
            slot, users = self._hosts[host]
            if users <= 1:
                del self._hosts[host]
            else:
                self._hosts[host] = (slot, users - 1)


class HttpFetcher:
    """`FeedFetcher` for http/https URLs; one shared session, created on first use."""

    def __init__(
        self,
        *,
        user_agent: str,
        connect_timeout_s: float = 10,
        read_timeout_s: float = 20,
        total_timeout_s: float = 30,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 5,
        per_host: int = 2,
        clock: Callable[[], datetime] = _utc_now,
        guard: NetworkGuard | None = None,
        connector_factory: Callable[[], aiohttp.BaseConnector] | None = None,
    ) -> None:
        self._user_agent = user_agent
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self._total_timeout_s = total_timeout_s
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._host_slots = HostSlots(per_host)
        self._clock = clock
        self._guard = guard if guard is not None else NetworkGuard()
        self._connector_factory = connector_factory or self._guard.connector
        self._session: aiohttp.ClientSession | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # the total deadline is ours (asyncio.timeout around the whole fetch, body included)
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._connect_timeout_s,
                                            sock_read=self._read_timeout_s)
            connector = self._connector_factory()
            self._session = aiohttp.ClientSession(
                timeout=timeout, connector=connector,
                headers={"User-Agent": self._user_agent, "Accept": ACCEPT})
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        target = self._guard.checked_url(url)
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with (self._host_slots.hold((target.host or "").lower()),
                        asyncio.timeout(self._total_timeout_s)):
                return await self._get(target, headers, etag=etag, last_modified=last_modified)
        except FetchError:
            raise
        except aiohttp.ConnectionTimeoutError:
            raise _transient(f"connect timed out after {self._connect_timeout_s:g} s") from None
        except aiohttp.SocketTimeoutError:
            raise _transient(f"read timed out: no data for {self._read_timeout_s:g} s") from None
        except TimeoutError:
            raise _transient(f"timed out after {self._total_timeout_s:g} s") from None
        except aiohttp.TooManyRedirects:
            raise self._too_many_redirects() from None
        except aiohttp.ClientError as exc:
            raise _client_error(exc) from None
        except OSError as exc:
            raise _transient(f"network error: {exc.strerror or exc}") from None

    async def _get(self, target: URL, headers: dict[str, str], *, etag: str | None,
                   last_modified: str | None) -> FetchResult:
        session = self._get_session()
        # aiohttp's limit counts the final response too: N means N - 1 redirects followed
        async with session.get(target, headers=headers, max_redirects=self._max_redirects + 1,
                               allow_redirects=self._max_redirects > 0) as resp:
            status = resp.status
            final_url = str(resp.url)
            moved = self._permanent_url(resp)
            if status in _REDIRECTS and self._max_redirects == 0:
                raise self._too_many_redirects()
            if status == 304:
                return FetchResult(
                    url=final_url, status=status, body=b"", not_modified=True,
                    etag=resp.headers.get("ETag") or etag,
                    last_modified=resp.headers.get("Last-Modified") or last_modified,
                    max_age_s=cache_max_age(resp.headers, now=self._clock()),
                    permanent_url=moved)
            if not 200 <= status < 300:
                raise status_error(status, resp.headers, now=self._clock())
            body = await self._read_capped(resp)
            return FetchResult(
                url=final_url, status=status, body=body,
                etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified"),
                content_type=resp.headers.get("Content-Type"),
                max_age_s=cache_max_age(resp.headers, now=self._clock()),
                permanent_url=moved)

    def _permanent_url(self, resp: aiohttp.ClientResponse) -> str | None:
        """Where the leading 301/308 hops led: A 301→ B 302→ C gives B (C is only B's
        temporary stand-in). None without a permanent first hop, or when the target fails
        the guard's URL check (every hop already passed it at connect time; this catches a
        URL that only names a refused host)."""
        hops = [h.status for h in resp.history]
        permanent = 0
        while permanent < len(hops) and hops[permanent] in _PERMANENT:
            permanent += 1
        if not permanent:
            return None
        after = resp.history[permanent].url if permanent < len(hops) else resp.url
        try:
            self._guard.check_url(str(after))
        except FetchError:
            return None
        return str(after)

    def _too_many_redirects(self) -> FetchError:
        return FetchError(f"too many redirects (more than {self._max_redirects})",
                          transient=False)

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        def too_big() -> FetchError:
            return FetchError(f"body exceeds {self._max_bytes} bytes", transient=False,
                              status=resp.status)

        # a declared length counts only when it is the length of the bytes we will hold
        declared = resp.content_length
        if declared is not None and declared > self._max_bytes and not resp.headers.get(
                "Content-Encoding"):
            raise too_big()
        chunks: list[bytes] = []
        size = 0
        # aiohttp hands out decompressed chunks: counting them is what stops a gzip bomb
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > self._max_bytes:
                raise too_big()
            chunks.append(chunk)
        return b"".join(chunks)


def _transient(message: str, *, status: int | None = None) -> FetchError:
    return FetchError(message, transient=True, status=status)


def _client_error(exc: aiohttp.ClientError) -> FetchError:
    """One aiohttp failure → our error; the order matters (the classes nest)."""
    if isinstance(exc, aiohttp.NonHttpUrlRedirectClientError):
        return FetchError("redirect to an unsupported URL scheme", transient=False)
    if isinstance(exc, aiohttp.InvalidURL):
        if "canonical" in str(exc.description or ""):  # aiohttp's own check on `127.1` hosts
            return FetchError(f"refused: {exc.url} is an IP address in a legacy spelling",
                              transient=False)
        return FetchError("invalid URL", transient=False)
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error,
                                                                    AddressRefused):
        return FetchError(exc.os_error.reason, transient=False)  # the network guard said no
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return _transient(f"cannot resolve host {exc.host!r}")
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return _transient(f"TLS certificate rejected for {exc.host!r}")
    if isinstance(exc, aiohttp.ClientSSLError):
        return _transient(f"TLS error with {exc.host!r}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError) or (
                exc.os_error.errno == errno.ECONNREFUSED):
            return _transient("connection refused")
        reason = exc.os_error.strerror or str(exc.os_error) or type(exc.os_error).__name__
        return _transient(f"cannot connect: {reason}")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return _transient("server closed the connection")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return _transient("response body broken off")
    if isinstance(exc, aiohttp.ClientResponseError):
        return _transient(f"invalid HTTP response: {exc.message}")
    return _transient(f"network error: {type(exc).__name__}")


def status_error(status: int, headers: CIMultiDictProxy[str], *, now: datetime) -> FetchError:
    """The error for a non-2xx, non-304 final status."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "status"
    label = f"HTTP {status} {phrase}"
    if status in (429, 503):
        retry = parse_retry_after(headers.get("Retry-After"), date=headers.get("Date"), now=now)
        return FetchError(label, transient=True, status=status, retry_after_s=retry)
    if status == 410:
        return FetchError(f"{label}: the feed is gone for good", transient=False, status=status)
    if status == 408 or status >= 500:
        return FetchError(label, transient=True, status=status)
    if 300 <= status < 400:  # a redirect without a usable Location
        return FetchError(f"{label} without a usable redirect", transient=False, status=status)
    return FetchError(label, transient=False, status=status)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def parse_retry_after(value: str | None, *, date: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date. The date is
    measured against the response's Date header (the server's own clock), else against
    `now`. None when absent or unreadable."""
    if not value or not (value := value.strip()):
        return None
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    when = _http_date(value)
    if when is None:
        return None
    reference = _http_date(date) or now
    return min(max(0.0, (when - reference).total_seconds()), MAX_RETRY_AFTER_S)


def cache_max_age(headers: CIMultiDictProxy[str], *, now: datetime) -> float | None:
    """Freshness lifetime from Cache-Control max-age, else Expires (relative to Date or
    `now`). no-cache/no-store mean nothing to wait for: None."""
    for directive in headers.get("Cache-Control", "").lower().split(","):
        name, _, arg = directive.strip().partition("=")
        if name in ("no-cache", "no-store"):
            return None
        if name == "max-age" and arg.strip().strip('"').isdigit():
            return float(arg.strip().strip('"'))
    expires = _http_date(headers.get("Expires"))
    if expires is None:
        return None
    seconds = (expires - (_http_date(headers.get("Date")) or now)).total_seconds()
    return seconds if seconds > 0 else None
