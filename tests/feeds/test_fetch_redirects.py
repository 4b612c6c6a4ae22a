"""Which redirects HttpFetcher reports as permanent (`FetchResult.permanent_url`), against a
real aiohttp server on 127.0.0.1: chains of 301/302/303/307/308 hops ending at a feed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.feeds.fetch import HttpFetcher
from bot.feeds.guard import NetworkGuard
from tests.support.ports import serve_app

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
ETAG = '"v1"'
LOOPBACK = NetworkGuard(allow_networks=["127.0.0.0/8"])


@pytest.fixture
async def base() -> AsyncIterator[str]:
    """/chain/{codes}/{i}: hop i answers codes[i] (e.g. "301-302") pointing at hop i + 1;
    after the last hop comes /feed (200, or 304 to a matching If-None-Match)."""

    async def hop(request: web.Request) -> web.Response:
        codes = request.match_info["codes"].split("-")
        step = int(request.match_info["step"])
        after = (f"/chain/{request.match_info['codes']}/{step + 1}" if step + 1 < len(codes)
                 else "/feed")
        return web.Response(status=int(codes[step]), headers={"Location": after})

    async def feed(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == ETAG:
            return web.Response(status=304, headers={"ETag": ETAG})
        return web.Response(body=FEED, headers={"ETag": ETAG},
                            content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/chain/{codes}/{step}", hop)
    app.router.add_get("/feed", feed)
    async with serve_app(app) as base:
        yield base


@pytest.mark.parametrize(
    ("codes", "permanent"),
    [
        ("301", "/feed"),
        ("308", "/feed"),
        ("301-308", "/feed"),
        ("302", None),
        ("303", None),
        ("307", None),
        ("302-301", None),  # a temporary first hop: the stored URL stays
        ("301-302", "/chain/301-302/1"),  # moved for good to a URL that points on for now
        ("308-301-307", "/chain/308-301-307/2"),
    ],
    ids=lambda v: str(v),
)
async def test_permanent_url_is_where_the_leading_permanent_hops_lead(
        base: str, codes: str, permanent: str | None) -> None:
    async with HttpFetcher(user_agent="t", guard=LOOPBACK) as http:
        result = await http.fetch(f"{base}/chain/{codes}/0")
    assert (result.status, result.body, result.url) == (200, FEED, f"{base}/feed")
    assert result.permanent_url == (None if permanent is None else base + permanent)


async def test_no_redirect_no_permanent_url(base: str) -> None:
    async with HttpFetcher(user_agent="t", guard=LOOPBACK) as http:
        assert (await http.fetch(f"{base}/feed")).permanent_url is None


async def test_not_modified_through_a_permanent_redirect_reports_it(base: str) -> None:
    async with HttpFetcher(user_agent="t", guard=LOOPBACK) as http:
        result = await http.fetch(f"{base}/chain/301/0", etag=ETAG)
    assert result.not_modified and result.permanent_url == f"{base}/feed"
