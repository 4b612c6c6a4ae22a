"""A fake OpenAI-compatible endpoint: a real aiohttp server on 127.0.0.1 (ephemeral port).

Implements `POST /v1/chat/completions` well enough for the real `openai` client. It records
every request (JSON body and Authorization header), and answers with `reply` — or, first,
with the replies queued in `script`. A reply may be a chat answer, an HTTP error with an
OpenAI-style error body, or a delay (for timeouts). `stop()` ends pending delays at once.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class FakeReply:
    content: str | None = "A fake summary of the article in two short sentences. It is fine."
    status: int = 200
    delay_s: float = 0.0
    error_message: str = "fake error"
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a body sent as is (e.g. not JSON at all)
    finish_reason: str = "stop"  # "length" when max_tokens cut the answer off


@dataclass
class Recorded:
    body: dict[str, Any]
    authorization: str | None

    @property
    def system(self) -> str:
        return str(self.body["messages"][0]["content"])

    @property
    def user(self) -> str:
        return str(self.body["messages"][-1]["content"])


class FakeOpenAI:
    def __init__(self, reply: FakeReply | None = None) -> None:
        self.reply = reply or FakeReply()
        self.script: deque[FakeReply] = deque()
        self.respond: Callable[[Recorded], FakeReply] | None = None  # overrides both
        self.requests: list[Recorded] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.base_url = ""
        self._ids = itertools.count(1)
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/v1"

    async def stop(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def _next(self, recorded: Recorded) -> FakeReply:
        if self.respond is not None:
            return self.respond(recorded)
        return self.script.popleft() if self.script else self.reply

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        recorded = Recorded(await request.json(), request.headers.get("Authorization"))
        self.requests.append(recorded)
        reply = self._next(recorded)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if reply.delay_s:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), reply.delay_s)
        finally:
            self.in_flight -= 1
        if reply.raw is not None:
            return web.Response(body=reply.raw, status=reply.status, headers=reply.headers,
                                content_type="application/json")
        if reply.status != 200:
            error = {"error": {"message": reply.error_message, "type": "fake_error",
                               "code": str(reply.status)}}
            return web.json_response(error, status=reply.status, headers=reply.headers)
        return web.json_response({
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": 1764322200,
            "model": recorded.body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                         "message": {"role": "assistant", "content": reply.content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140},
        }, headers=reply.headers)


@asynccontextmanager
async def fake_openai(reply: FakeReply | None = None) -> AsyncIterator[FakeOpenAI]:
    server = FakeOpenAI(reply)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
