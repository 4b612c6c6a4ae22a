"""A fake Discord (REST v10 + gateway v10) on 127.0.0.1 for the real discord.py client.

One aiohttp app: REST routes under `/api/v10/…` and a websocket gateway at `/gateway` that
says HELLO, takes IDENTIFY (its intents are recorded), answers heartbeats and dispatches
READY and GUILD_CREATE; `push_interaction` sends INTERACTION_CREATE. Every REST call is
recorded (method, path, query, headers, JSON); `wait_for` waits on a condition instead of
sleeping; `fail_next` queues injected answers (429 with `retry_after`, 403, 404…) per route.
Messages honour `nonce` + `enforce_nonce` like Discord: the same nonce in the same channel
returns the message already created. `hold_next` parks the next message creation before or
after the message exists (crash tests, tests/support/hold.py).

See /work/shared/HARNESS.md for the pitfalls this follows (exact `application/json`, `Via`
on 429s, zlib-stream framing).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.hold import Hold

APP_ID = "1000"
BOT_ID = "1000"
GUILD_ID = "2000"
CHANNEL_ID = "3000"
OWNER_ID = "4000"
MEMBER_ID = "4001"
MANAGE_GUILD = 1 << 5
TOKEN = "fake-bot-token.SECRET-do-not-log"

JSON = "application/json"


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    at: float


@dataclass
class Injected:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def user(user_id: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": user_id, "username": name, "discriminator": "0", "global_name": None,
            "avatar": None, "bot": bot}


def _now() -> str:
    return datetime.now(UTC).isoformat()


class FakeDiscord:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.identify: list[dict[str, Any]] = []
        self.commands: list[dict[str, Any]] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.injected: dict[str, list[Injected]] = {}
        self._nonces: dict[tuple[str, str], dict[str, Any]] = {}
        self.holds: list[Hold] = []
        self._ids = itertools.count(5000)
        self._changed = asyncio.Condition()
        self._sockets: list[tuple[web.WebSocketResponse, Any]] = []
        self._seq = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/gateway", self._gateway)
        api = "/api/v10"
        app.router.add_get(f"{api}/users/@me", self._me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self._application)
        app.router.add_get(f"{api}/gateway", self._gateway_url)
        app.router.add_get(f"{api}/gateway/bot", self._gateway_url)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self._bulk_commands)
        app.router.add_put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands",
                           self._bulk_commands)
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self._create_message)
        app.router.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self._callback)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self._followup)
        app.router.add_patch(f"{api}/webhooks/{{app}}/{{token}}/messages/@original",
                             self._edit_original)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def close(self) -> None:
        for ws, _ in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- test helpers --------------------------------------------------------------------

    def fail_next(self, route: str, *answers: Injected) -> None:
        """Answer the next calls whose path ends with `route` with `answers`, in order."""
        self.injected.setdefault(route, []).extend(answers)

    def rate_limited(self, retry_after: float, *, is_global: bool = False) -> Injected:
        return Injected(429, {"message": "You are being rate limited.",
                              "retry_after": retry_after, "global": is_global},
                        {"Via": "1.1 google", "Retry-After": str(retry_after),
                         "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                         "X-RateLimit-Reset-After": str(retry_after),
                         "X-RateLimit-Bucket": "fake-bucket",
                         **({"X-RateLimit-Global": "true"} if is_global else {}),
                         "X-RateLimit-Scope": "user"})

    def hold_next(self, hold: Hold) -> Hold:
        """Park the next message creation (then the one after, for each further hold)."""
        self.holds.append(hold)
        return hold

    def calls_to(self, method: str, suffix: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path.endswith(suffix)]

    def posts_to(self, channel_id: str) -> list[Call]:
        return self.calls_to("POST", f"/channels/{channel_id}/messages")

    async def wait_for(self, predicate: Callable[[], Any], within_s: float = 5.0) -> Any:
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(predicate)
        return predicate()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- REST ----------------------------------------------------------------------------

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path == "/gateway":
            result: web.StreamResponse = await handler(request)
            return result
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
        call = Call(request.method, request.path, dict(request.query), dict(request.headers),
                    body, asyncio.get_running_loop().time())
        self.calls.append(call)
        await self._notify()
        for suffix, queue in self.injected.items():
            if request.path.endswith(suffix) and queue:
                answer = queue.pop(0)
                return web.Response(status=answer.status, body=json.dumps(answer.body).encode(),
                                    headers={"Content-Type": JSON, **answer.headers})
        result = await handler(request)
        await self._notify()
        return result

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        # exactly "application/json": with "; charset=…" discord.py reads the body as text
        return web.Response(status=status, body=json.dumps(data).encode(),
                            headers={"Content-Type": JSON})

    async def _me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {TOKEN}":
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        return self._json(user(BOT_ID, "newsbot", bot=True))

    async def _application(self, request: web.Request) -> web.Response:
        return self._json({"id": APP_ID, "name": "newsbot", "description": "", "icon": None,
                           "bot_public": True, "bot_require_code_grant": False,
                           "owner": user(OWNER_ID, "owner"), "verify_key": "00", "flags": 0,
                           "rpc_origins": [], "summary": ""})

    async def _gateway_url(self, request: web.Request) -> web.Response:
        return self._json({"url": self.gateway_url, "shards": 1,
                           "session_start_limit": {"total": 1000, "remaining": 1000,
                                                   "reset_after": 0, "max_concurrency": 1}})

    async def _bulk_commands(self, request: web.Request) -> web.Response:
        payload = await request.json()
        self.commands = [
            {**cmd, "id": str(next(self._ids)), "application_id": APP_ID, "version": "1",
             "type": cmd.get("type", 1)}
            for cmd in payload
        ]
        return self._json(self.commands)

    def _message(self, channel_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(next(self._ids)), "channel_id": channel_id, "type": 0,
                "content": body.get("content") or "", "embeds": body.get("embeds") or [],
                "author": user(BOT_ID, "newsbot", bot=True), "timestamp": _now(),
                "edited_timestamp": None, "tts": False, "mention_everyone": False,
                "mentions": [], "mention_roles": [], "attachments": [], "pinned": False,
                "flags": body.get("flags") or 0, "nonce": body.get("nonce")}

    async def _create_message(self, request: web.Request) -> web.Response:
        channel_id = request.match_info["channel"]
        body = await request.json()
        hold = self.holds.pop(0) if self.holds else None
        if hold is not None and hold.stage == "before" and not await hold.park(request):
            return self._json({"message": "client gone", "code": 0}, 500)  # not created
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get((channel_id, str(nonce)))
            if seen is not None:
                return self._json(seen)
        message = self._message(channel_id, body)
        if nonce is not None:
            self._nonces[(channel_id, str(nonce))] = message
        self.messages.setdefault(channel_id, []).append(message)
        if hold is not None and hold.stage == "after":
            await self._notify()
            await hold.park(request)  # created; the answer waits (the client may die)
        return self._json(message)

    async def _callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        data = body.get("data") or {}
        interaction = {"id": request.match_info["id"], "type": 2,
                       "response_message_loading": body.get("type") == 5,
                       "response_message_ephemeral": bool((data.get("flags") or 0) & 64)}
        resource: dict[str, Any] = {"type": body.get("type")}
        if body.get("type") == 4:
            resource["message"] = self._message(CHANNEL_ID, data)
        return self._json({"interaction": interaction, "resource": resource})

    async def _followup(self, request: web.Request) -> web.Response:
        return self._json(self._message(CHANNEL_ID, await request.json()))

    async def _edit_original(self, request: web.Request) -> web.Response:
        return self._json(self._message(CHANNEL_ID, await request.json()))

    # --- gateway -------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        deflate = zlib.compressobj() if compress else None
        entry = (ws, deflate)
        self._sockets.append(entry)
        try:
            await self._send(entry, {"op": 10, "d": {"heartbeat_interval": 41250}})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op = payload.get("op")
                if op == 1:
                    await self._send(entry, {"op": 11})
                elif op == 2:
                    self.identify.append(payload["d"])
                    await self._notify()
                    await self._dispatch(entry, "READY", self._ready())
                    await self._dispatch(entry, "GUILD_CREATE", self._guild())
        finally:
            self._sockets.remove(entry)
        return ws

    async def _send(self, entry: tuple[web.WebSocketResponse, Any], data: Any) -> None:
        ws, deflate = entry
        text = json.dumps(data)
        if deflate is None:
            await ws.send_str(text)
        else:
            frame = deflate.compress(text.encode()) + deflate.flush(zlib.Z_SYNC_FLUSH)
            await ws.send_bytes(frame)

    async def _dispatch(self, entry: tuple[web.WebSocketResponse, Any], event: str,
                        data: Any) -> None:
        await self._send(entry, {"op": 0, "t": event, "s": next(self._seq), "d": data})

    def _ready(self) -> dict[str, Any]:
        return {"v": 10, "user": user(BOT_ID, "newsbot", bot=True),
                "guilds": [{"id": GUILD_ID, "unavailable": True}],
                "session_id": "fake-session", "resume_gateway_url": self.gateway_url,
                "application": {"id": APP_ID, "flags": 0}, "shard": [0, 1]}

    def _guild(self) -> dict[str, Any]:
        return {
            "id": GUILD_ID, "name": "Fake Guild", "owner_id": OWNER_ID, "icon": None,
            "features": [], "emojis": [], "stickers": [], "large": False,
            "unavailable": False, "member_count": 2, "joined_at": _now(),
            "preferred_locale": "en-US", "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0,
            "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0, "system_channel_flags": 0,
            "roles": [{"id": GUILD_ID, "name": "@everyone", "permissions": "0", "position": 0,
                       "color": 0, "hoist": False, "managed": False, "mentionable": False,
                       "flags": 0}],
            "channels": [{"id": CHANNEL_ID, "type": 0, "name": "news", "position": 0,
                          "permission_overwrites": [], "nsfw": False, "parent_id": None,
                          "guild_id": GUILD_ID}],
            "members": [], "threads": [], "voice_states": [], "presences": [],
            "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
        }

    async def push_interaction(self, options: list[dict[str, Any]], *, user_id: str = MEMBER_ID,
                               permissions: int = 0, locale: str = "en-US",
                               guild_locale: str = "en-US", kind: int = 2) -> str:
        """INTERACTION_CREATE for `/news …` with `options` (as Discord nests them); returns
        the interaction id (its callback path is /interactions/{id}/{token}/callback)."""
        interaction_id = str(next(self._ids))
        data = {
            # kind 2: a command; 4: autocomplete (an option carries "focused": true)
            "id": interaction_id, "application_id": APP_ID, "type": kind,
            "token": f"itoken-{interaction_id}", "version": 1,
            "guild_id": GUILD_ID, "channel_id": CHANNEL_ID,
            "channel": {"id": CHANNEL_ID, "type": 0, "name": "news", "guild_id": GUILD_ID,
                        "position": 0, "permission_overwrites": [], "nsfw": False,
                        "parent_id": None},
            "member": {"user": user(user_id, f"user{user_id}"), "roles": [],
                       "permissions": str(permissions), "joined_at": _now(), "deaf": False,
                       "mute": False, "flags": 0, "nick": None, "avatar": None},
            "data": {"id": self._command_id("news"), "name": "news", "type": 1,
                     "options": options},
            "locale": locale, "guild_locale": guild_locale, "app_permissions": "0",
            "entitlements": [], "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0, "attachment_size_limit": 8388608,
        }
        assert self._sockets, "no gateway connection"
        await self._dispatch(self._sockets[-1], "INTERACTION_CREATE", data)
        return interaction_id

    def _command_id(self, name: str) -> str:
        for cmd in self.commands:
            if cmd["name"] == name:
                return str(cmd["id"])
        return "1"


def sub(command: str, /, **values: Any) -> dict[str, Any]:
    """A subcommand option with string/choice values: `sub("subscribe", targets="NVDA")`."""
    return {"type": 1, "name": command,
            "options": [{"type": 3, "name": k, "value": v} for k, v in values.items()]}


def group(name: str, inner: dict[str, Any]) -> dict[str, Any]:
    return {"type": 2, "name": name, "options": [inner]}
