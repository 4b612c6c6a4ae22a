"""A feed server on 127.0.0.1 (ephemeral port) in the test's event loop: each path serves an
RSS body the test swaps, or a status the test sets (410, 500, …; a 3xx with `location`), and
counts its requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web

from tests.support.ports import serve_app


@dataclass
class FeedPath:
    body: bytes = b""
    status: int = 200
    etag: int = 1
    hits: int = 0
    location: str | None = None  # sent with a 3xx status

    def publish(self, body: bytes) -> None:
        self.body = body
        self.etag += 1


@dataclass
class FeedServer:
    base: str = ""
    paths: dict[str, FeedPath] = field(default_factory=dict)

    def feed(self, name: str) -> FeedPath:
        return self.paths.setdefault(name, FeedPath())

    def url(self, name: str) -> str:
        self.feed(name)
        return f"{self.base}/{name}"

    async def handle(self, request: web.Request) -> web.Response:
        path = self.paths.get(request.match_info["name"])
        if path is None:
            return web.Response(status=404)
        path.hits += 1
        if path.status != 200:
            headers = {"Location": path.location} if path.location else None
            return web.Response(status=path.status, headers=headers)
        etag = f'"{path.etag}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(body=path.body, headers={"ETag": etag},
                            content_type="application/rss+xml")


@asynccontextmanager
async def serve_feeds() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    app = web.Application()
    app.router.add_get("/{name}", server.handle)
    async with serve_app(app) as server.base:
        yield server
