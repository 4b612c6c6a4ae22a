"""A fake Slack Web API (and Socket Mode endpoint) on 127.0.0.1 for the real slack_sdk and
slack_bolt.

One aiohttp app on an ephemeral port:
- `/api/{method}` answers `auth.test`, `chat.postMessage`, `users.info` (is_admin/is_owner
  per user in `users`), `conversations.info` and `apps.connections.open` (a `ws://` URL to
  this server's `/link`);
- `/commands/{team}/{id}/{secret}` stands in for `response_url`s (`respond()` lands
  there; shaped like Slack's `hooks.slack.com/commands/…` so redaction is exercised);
- `/link` is the Socket Mode websocket: it says hello, `push_slash_command` sends a
  `slash_commands` envelope, and the client's acks are recorded in `acks`.
Every HTTP request is recorded (method, path, headers, parsed JSON or form body, time);
`wait_for` waits on a condition instead of sleeping; `fail_next` queues injected answers per
API method (`ok:false` errors, HTTP 429 with `Retry-After`); `hold_next` parks the next
`chat.postMessage` before or after it creates the message (crash tests, tests/support/hold.py).

See /work/shared/HARNESS.md. Signed requests are computed with `hmac` here, not with
slack_sdk, so the verifier under test is really exercised.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from aiohttp import WSMsgType, web

from tests.support.hold import Hold

BOT_TOKEN = "xoxb-1234-5678-SECRETbot"
APP_TOKEN = "xapp-1-A111-2222-SECRETapp"
SIGNING_SECRET = "signing-SECRET-do-not-log"
TEAM_ID = "T0001"
CHANNEL_ID = "C0001"
MEMBER_ID = "U0MEMBER"
ADMIN_ID = "U0ADMIN"
OWNER_ID = "U0OWNER"

T = TypeVar("T")


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON or form fields
    at: float


CALL = web.RequestKey("call", Call)


@dataclass
class Injected:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def rate_limited(retry_after_s: int) -> Injected:
    return Injected(429, {"ok": False, "error": "ratelimited"},
                    {"Retry-After": str(retry_after_s)})


def error(name: str) -> Injected:
    return Injected(200, {"ok": False, "error": name})


def sign(secret: str, timestamp: int, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.responses: list[dict[str, Any]] = []
        self.acks: list[dict[str, Any]] = []
        self.injected: dict[str, list[Injected]] = {}
        self.injected_at: dict[tuple[str, int], Injected] = {}
        self.holds: list[Hold] = []
        self.users: dict[str, dict[str, Any]] = {
            MEMBER_ID: {"id": MEMBER_ID, "is_admin": False, "is_owner": False,
                        "locale": "en-US"},
            ADMIN_ID: {"id": ADMIN_ID, "is_admin": True, "is_owner": False, "locale": "de-DE"},
            OWNER_ID: {"id": OWNER_ID, "is_admin": True, "is_owner": True, "locale": "en-US"},
        }
        self._ts = itertools.count(1)
        self._envelopes = itertools.count(1)
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/commands/{team}/{id}/{secret}", self._response)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    # --- recording and waiting -----------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request,
                      handler: Callable[[web.Request], Any]) -> web.StreamResponse:
        if request.path == "/link":
            response: web.StreamResponse = await handler(request)
            return response
        raw = await request.text()
        body: Any
        if request.content_type == "application/json" and raw:
            body = json.loads(raw)
        else:
            body = dict(parse_qsl(raw)) if raw else dict(request.query)
        call = Call(request.method, request.path, dict(request.headers), body, time.monotonic())
        self.calls.append(call)
        request[CALL] = call
        response = await handler(request)
        await self._notify()
        return response

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, check: Callable[[], T], within_s: float = 5.0) -> T:
        async with asyncio.timeout(within_s), self._changed:
            while not (result := check()):
                await self._changed.wait()
        return result

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.path == f"/api/{method}"]

    def posts(self) -> list[Call]:
        return self.calls_to("chat.postMessage")

    def fail_next(self, method: str, *answers: Injected) -> None:
        self.injected.setdefault(method, []).extend(answers)

    def fail_at(self, method: str, number: int, answer: Injected) -> None:
        """Answer the `number`-th call (1-based, counting every call) to `method` so."""
        self.injected_at[(method, number)] = answer

    def hold_next(self, hold: Hold) -> Hold:
        """Park the next `chat.postMessage` (then the one after, for each further hold)."""
        self.holds.append(hold)
        return hold

    # --- Web API ---------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        queued = self.injected.get(method)
        at = self.injected_at.pop((method, len(self.calls_to(method))), None)
        if at is not None or queued:
            answer = at if at is not None else queued.pop(0)  # type: ignore[union-attr]
            return web.json_response(answer.body, status=answer.status,
                                     headers=answer.headers)
        call: Call = request[CALL]
        body = call.body if isinstance(call.body, dict) else {}
        if method == "auth.test":
            return web.json_response({"ok": True, "url": "https://fake.slack.com/",
                                      "team": "Fake", "user": "newsbot", "team_id": TEAM_ID,
                                      "user_id": "U0BOT", "bot_id": "B0BOT"})
        if method == "chat.postMessage":
            hold = self.holds.pop(0) if self.holds else None
            if hold is not None and hold.stage == "before" and not await hold.park(request):
                return web.json_response({"ok": False, "error": "client_gone"})  # not posted
            channel = str(body.get("channel"))
            ts = f"1700000000.{next(self._ts):06d}"
            message = {**body, "ts": ts}
            self.messages.setdefault(channel, []).append(message)
            if hold is not None and hold.stage == "after":
                await self._notify()
                await hold.park(request)  # posted; the answer waits (the client may die)
            return web.json_response({"ok": True, "channel": channel, "ts": ts,
                                      "message": message})
        if method == "users.info":
            user = self.users.get(str(body.get("user")))
            if user is None:
                return web.json_response({"ok": False, "error": "user_not_found"})
            return web.json_response({"ok": True, "user": user})
        if method == "conversations.info":
            return web.json_response({"ok": True, "channel": {"id": body.get("channel"),
                                                              "name": "markets"}})
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"})
        return web.json_response({"ok": False, "error": "unknown_method"})

    async def _response(self, request: web.Request) -> web.Response:
        call: Call = request[CALL]
        self.responses.append({"id": request.match_info["id"], **call.body})
        return web.json_response({"ok": True})

    # --- Socket Mode ---------------------------------------------------------------------

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600}})
        await self._notify()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self.acks.append(json.loads(msg.data))
                    await self._notify()
        finally:
            self._sockets.remove(ws)
            await self._notify()
        return ws

    async def push_slash_command(self, text: str, *, user_id: str = MEMBER_ID,
                                 channel_id: str = CHANNEL_ID) -> str:
        """Send a `/news` envelope to the connected Socket Mode client; its envelope id."""
        await self.wait_for(lambda: self._sockets)
        envelope_id = f"env-{next(self._envelopes)}"
        await self._sockets[-1].send_json({
            "envelope_id": envelope_id, "type": "slash_commands",
            "accepts_response_payload": True, "retry_attempt": 0, "retry_reason": "",
            "payload": command_payload(text, self, user_id=user_id, channel_id=channel_id),
        })
        return envelope_id


def command_payload(text: str, fake: FakeSlack, *, user_id: str = MEMBER_ID,
                    channel_id: str = CHANNEL_ID) -> dict[str, str]:
    n = next(fake._envelopes)
    return {"token": "legacy-verification", "team_id": TEAM_ID, "team_domain": "fake",
            "channel_id": channel_id, "channel_name": "markets", "user_id": user_id,
            "user_name": "someone", "command": "/news", "text": text, "api_app_id": "A111",
            "is_enterprise_install": "false",
            "response_url": f"{fake.base}/commands/{TEAM_ID}/{n}/respSECRET{n}",
            "trigger_id": f"trigger-{n}"}


def signed_command(text: str, fake: FakeSlack, *, secret: str = SIGNING_SECRET,
                   age_s: int = 0, user_id: str = MEMBER_ID,
                   channel_id: str = CHANNEL_ID) -> tuple[str, dict[str, str]]:
    """A form-encoded slash command body and its Slack signature headers."""
    body = urlencode(command_payload(text, fake, user_id=user_id, channel_id=channel_id))
    timestamp = int(time.time()) - age_s
    return body, {"Content-Type": "application/x-www-form-urlencoded",
                  "X-Slack-Request-Timestamp": str(timestamp),
                  "X-Slack-Signature": sign(secret, timestamp, body)}
