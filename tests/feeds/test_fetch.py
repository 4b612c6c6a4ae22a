"""HttpFetcher against a real aiohttp server on 127.0.0.1 (ephemeral port)."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from bot.errors import FetchError
from bot.feeds.fetch import HttpFetcher, cache_max_age, parse_retry_after
from bot.feeds.guard import NetworkGuard
from tests.support.ports import serve_app

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
ETAG = '"v1"'
LAST_MODIFIED = "Sat, 28 Nov 2026 09:00:00 GMT"
USER_AGENT = "newsbot-test/1.0 (+https://example.org/bot)"
# the servers here listen on 127.0.0.1, which the network guard refuses unless allowed
LOOPBACK = NetworkGuard(allow_networks=["127.0.0.0/8"])


@dataclass
class Server:
    base: str
    requests: list[web.Request] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return self.base + path


def build_app(state: Server) -> web.Application:
    async def feed(request: web.Request) -> web.Response:
        if (request.headers.get("If-None-Match") == ETAG
                or request.headers.get("If-Modified-Since") == LAST_MODIFIED):
            return web.Response(status=304, headers={"ETag": ETAG})
        return web.Response(body=FEED, content_type="application/rss+xml", headers={
            "ETag": ETAG, "Last-Modified": LAST_MODIFIED, "Cache-Control": "public, max-age=300"})

    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]))

    async def limited(request: web.Request) -> web.Response:
        headers = {"Retry-After": "120"}
        if request.query.get("form") == "date":
            headers = {"Date": "Sat, 28 Nov 2026 09:30:00 GMT",
                       "Retry-After": "Sat, 28 Nov 2026 09:31:30 GMT"}
        return web.Response(status=int(request.query.get("status", "429")), headers=headers)

    async def slow_headers(request: web.Request) -> web.Response:
        await asyncio.wait_for(state.release.wait(), timeout=10)
        return web.Response(body=FEED)

    async def slow_body(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await resp.prepare(request)
        while not state.release.is_set():
            await resp.write(b" ")
            await asyncio.sleep(0.02)
        return resp

    async def big(request: web.Request) -> web.StreamResponse:
        size = int(request.query["size"])
        if request.query.get("chunked"):  # no Content-Length: the cap must hold while streaming
            resp = web.StreamResponse()
            await resp.prepare(request)
            for _ in range(size // 1000):
                await resp.write(b"x" * 1000)
            await resp.write_eof()
            return resp
        return web.Response(body=b"x" * size)

    async def gzipped(request: web.Request) -> web.Response:
        body = b"<rss>" + b" " * int(request.query["size"]) + b"</rss>"
        return web.Response(body=gzip.compress(body), headers={
            "Content-Encoding": "gzip", "Content-Type": "application/rss+xml"})

    async def redirect(request: web.Request) -> web.Response:
        hops = int(request.match_info["hops"])
        raise web.HTTPFound(state.url("/feed") if hops == 0 else state.url(f"/hop/{hops - 1}"))

    async def to_file(request: web.Request) -> web.Response:
        raise web.HTTPFound("file:///etc/passwd")

    @web.middleware
    async def record(request: web.Request,
                     handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                     ) -> web.StreamResponse:
        state.requests.append(request)
        return await handler(request)

    app = web.Application(middlewares=[record])
    app.router.add_get("/feed", feed)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/limited", limited)
    app.router.add_get("/slow-headers", slow_headers)
    app.router.add_get("/slow-body", slow_body)
    app.router.add_get("/big", big)
    app.router.add_get("/gzip", gzipped)
    app.router.add_get("/hop/{hops}", redirect)
    app.router.add_get("/to-file", to_file)
    return app


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server(base="")
    async with serve_app(build_app(state)) as state.base:
        yield state
        state.release.set()  # let slow handlers finish so shutdown does not wait for them


@pytest.fixture
async def fetcher() -> AsyncIterator[HttpFetcher]:
    async with HttpFetcher(user_agent=USER_AGENT, guard=LOOPBACK, total_timeout_s=5,
                           max_bytes=64 * 1024, clock=lambda: NOW) as http:
        yield http


async def test_200_then_conditional_304(server: Server, fetcher: HttpFetcher) -> None:
    first = await fetcher.fetch(server.url("/feed"))
    assert (first.status, first.body, first.etag, first.last_modified) == (
        200, FEED, ETAG, LAST_MODIFIED)
    assert first.content_type == "application/rss+xml"
    assert first.max_age_s == 300 and not first.not_modified
    assert first.url == server.url("/feed")

    second = await fetcher.fetch(server.url("/feed"), etag=first.etag,
                                 last_modified=first.last_modified)
    assert second.not_modified and second.status == 304 and second.body == b""
    assert (second.etag, second.last_modified) == (ETAG, LAST_MODIFIED)  # validators kept
    sent = server.requests[-1].headers
    assert (sent["If-None-Match"], sent["If-Modified-Since"]) == (ETAG, LAST_MODIFIED)
    assert "If-None-Match" not in server.requests[0].headers


async def test_user_agent_sent(server: Server, fetcher: HttpFetcher) -> None:
    await fetcher.fetch(server.url("/feed"))
    assert server.requests[0].headers["User-Agent"] == USER_AGENT
    assert "application/rss+xml" in server.requests[0].headers["Accept"]


@pytest.mark.parametrize(
    ("code", "transient", "fragment"),
    [(404, False, "HTTP 404 Not Found"), (410, False, "gone"), (401, False, "HTTP 401"),
     (403, False, "HTTP 403 Forbidden"), (400, False, "HTTP 400"), (408, True, "HTTP 408"),
     (500, True, "HTTP 500"), (502, True, "HTTP 502 Bad Gateway"), (504, True, "HTTP 504")],
    ids=["404", "410", "401", "403", "400", "408", "500", "502", "504"],
)
async def test_status_mapping(server: Server, fetcher: HttpFetcher, code: int, transient: bool,
                              fragment: str) -> None:
    with pytest.raises(FetchError, match=fragment) as caught:
        await fetcher.fetch(server.url(f"/status/{code}"))
    assert (caught.value.status, caught.value.transient) == (code, transient)
    assert caught.value.retry_after_s is None


@pytest.mark.parametrize(
    ("query", "status", "retry_after"),
    [("status=429", 429, 120.0), ("status=503", 503, 120.0),
     ("status=429&form=date", 429, 90.0), ("status=503&form=date", 503, 90.0)],
    ids=["429-seconds", "503-seconds", "429-http-date", "503-http-date"],
)
async def test_retry_after(server: Server, fetcher: HttpFetcher, query: str, status: int,
                           retry_after: float) -> None:
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(server.url(f"/limited?{query}"))
    assert caught.value.transient and caught.value.status == status
    assert caught.value.retry_after_s == retry_after


async def test_total_deadline_covers_a_slow_body(server: Server) -> None:
    async with HttpFetcher(user_agent=USER_AGENT, guard=LOOPBACK, total_timeout_s=0.3) as http:
        with pytest.raises(FetchError, match=r"timed out after 0\.3 s") as caught:
            await http.fetch(server.url("/slow-body"))
    assert caught.value.transient


async def test_read_deadline_when_the_server_goes_silent(server: Server) -> None:
    async with HttpFetcher(user_agent=USER_AGENT, guard=LOOPBACK, read_timeout_s=0.2,
                           total_timeout_s=5) as http:
        with pytest.raises(FetchError, match=r"read timed out") as caught:
            await http.fetch(server.url("/slow-headers"))
    assert caught.value.transient


@pytest.mark.parametrize("query", ["size=70000", "size=70000&chunked=1"],
                         ids=["content-length", "streamed"])
async def test_body_over_cap_is_permanent(server: Server, fetcher: HttpFetcher,
                                          query: str) -> None:
    with pytest.raises(FetchError, match=r"body exceeds 65536 bytes") as caught:
        await fetcher.fetch(server.url(f"/big?{query}"))
    assert not caught.value.transient


async def test_body_at_cap_is_fine(server: Server, fetcher: HttpFetcher) -> None:
    result = await fetcher.fetch(server.url("/big?size=65000&chunked=1"))
    assert len(result.body) == 65000


async def test_gzip_is_decompressed(server: Server, fetcher: HttpFetcher) -> None:
    result = await fetcher.fetch(server.url("/gzip?size=1000"))
    assert result.body == b"<rss>" + b" " * 1000 + b"</rss>"


async def test_gzip_bomb_stops_at_the_decompressed_cap(server: Server,
                                                       fetcher: HttpFetcher) -> None:
    # ~5 KB on the wire, 5 MB inflated: only the inflated size may count
    assert len(gzip.compress(b" " * 5_000_000)) < 64 * 1024
    with pytest.raises(FetchError, match="body exceeds") as caught:
        await fetcher.fetch(server.url("/gzip?size=5000000"))
    assert not caught.value.transient


async def test_redirects_followed_up_to_the_limit(server: Server) -> None:
    async with HttpFetcher(user_agent=USER_AGENT, guard=LOOPBACK, max_redirects=3) as http:
        result = await http.fetch(server.url("/hop/2"))
        assert result.url == server.url("/feed") and result.body == FEED
        with pytest.raises(FetchError, match=r"too many redirects \(more than 3\)") as caught:
            await http.fetch(server.url("/hop/3"))
    assert not caught.value.transient


async def test_redirect_to_another_scheme_is_refused(server: Server,
                                                      fetcher: HttpFetcher) -> None:
    with pytest.raises(FetchError, match="redirect to an unsupported URL scheme") as caught:
        await fetcher.fetch(server.url("/to-file"))
    assert not caught.value.transient


async def test_no_redirects_when_the_limit_is_zero(server: Server) -> None:
    async with HttpFetcher(user_agent=USER_AGENT, guard=LOOPBACK, max_redirects=0) as http:
        with pytest.raises(FetchError, match=r"too many redirects \(more than 0\)"):
            await http.fetch(server.url("/hop/0"))


async def test_connection_refused_on_a_closed_port(fetcher: HttpFetcher) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="connection refused") as caught:
        await fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert caught.value.transient and caught.value.status is None


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("ftp://example.org/feed", "unsupported URL scheme"),
     ("file:///etc/passwd", "unsupported URL scheme"),
     ("sample:markets", "unsupported URL scheme"),
     ("example.org/feed", "unsupported URL scheme"),
     ("http:///nohost", "no host"),
     ("http://[::1/feed", "invalid URL")],
    ids=["ftp", "file", "other-scheme", "no-scheme", "no-host", "unparsable"],
)
async def test_only_http_urls(fetcher: HttpFetcher, url: str, fragment: str) -> None:
    with pytest.raises(FetchError, match=fragment) as caught:
        await fetcher.fetch(url)
    assert not caught.value.transient


async def test_session_is_shared_and_closed(server: Server) -> None:
    http = HttpFetcher(user_agent=USER_AGENT, guard=LOOPBACK)
    await http.fetch(server.url("/feed"))
    session = http._session
    await http.fetch(server.url("/feed"))
    assert http._session is session and session is not None
    await http.close()
    assert session.closed
    await http.close()  # closing twice is harmless


async def test_connector_factory_is_the_network_hook(server: Server) -> None:
    # a custom connector replaces the guarded one (the URL check stays): it must be used
    made: list[aiohttp.BaseConnector] = []

    def factory() -> aiohttp.BaseConnector:
        made.append(aiohttp.TCPConnector(limit=1))
        return made[-1]

    async with HttpFetcher(user_agent=USER_AGENT, guard=LOOPBACK,
                           connector_factory=factory) as http:
        await http.fetch(server.url("/feed"))
        await http.fetch(server.url("/feed"))
    assert len(made) == 1 and made[0].closed


# --- header parsing (pure) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "date", "expected"),
    [("120", None, 120.0), (" 0 ", None, 0.0),
     ("Sat, 28 Nov 2026 09:31:30 GMT", "Sat, 28 Nov 2026 09:30:00 GMT", 90.0),
     ("Sat, 28 Nov 2026 09:35:00 GMT", None, 300.0),  # measured against the clock
     ("Sat, 28 Nov 2026 09:00:00 GMT", None, 0.0),  # already past
     ("Sat, 28 Nov 2026 09:35:00 GMT", "garbage", 300.0),
     ("99999999999999999999", None, 7 * 24 * 3600.0),
     ("soon", None, None), ("-5", None, None), ("", None, None), (None, None, None)],
    ids=["seconds", "zero", "date-vs-date-header", "date-vs-clock", "past", "bad-date-header",
         "huge", "garbage", "negative", "empty", "absent"],
)
def test_parse_retry_after(value: str | None, date: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, date=date, now=NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"Cache-Control": "max-age=600"}, 600.0),
     ({"Cache-Control": "public, max-age=60, must-revalidate"}, 60.0),
     ({"Cache-Control": "no-cache, max-age=60"}, None),
     ({"Expires": "Sat, 28 Nov 2026 09:40:00 GMT"}, 600.0),
     ({"Expires": "Sat, 28 Nov 2026 10:00:00 GMT", "Date": "Sat, 28 Nov 2026 09:55:00 GMT"},
      300.0),
     ({"Cache-Control": "max-age=30", "Expires": "Sat, 28 Nov 2026 10:30:00 GMT"}, 30.0),
     ({"Expires": "0"}, None), ({"Expires": "Sat, 28 Nov 2026 09:00:00 GMT"}, None), ({}, None)],
    ids=["max-age", "among-directives", "no-cache", "expires-vs-clock", "expires-vs-date",
         "max-age-wins", "expires-zero", "expired", "none"],
)
def test_cache_max_age(headers: dict[str, str], expected: float | None) -> None:
    assert cache_max_age(CIMultiDictProxy(CIMultiDict(headers)), now=NOW) == expected
