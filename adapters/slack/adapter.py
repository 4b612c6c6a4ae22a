"""The Slack adapter (slack_bolt `AsyncApp`): one `/news` slash command whose text goes to the
core grammar, digests and notices posted with `chat.postMessage` as Block Kit.

- Modes (`NEWSBOT_SLACK_MODE`): `socket` connects out with the app-level token
  (`NEWSBOT_SLACK_APP_TOKEN`); `http` serves `POST /slack/events` (Bolt verifies the
  `X-Slack-Signature` with `NEWSBOT_SLACK_SIGNING_SECRET`: a bad signature or a timestamp
  older than 5 minutes is a 401 and runs nothing) and `GET /healthz` with aiohttp on
  `NEWSBOT_HTTP_HOST`:`NEWSBOT_HTTP_PORT` (never 0.0.0.0 unless configured so).
- Deadline: Slack needs the ack within 3 s. Commands `is_slow` says are acked at once and
  answered through `respond()` (the `response_url`); any other command is answered in the
  ack when it is done within `ACK_WITHIN_S`, else acked empty and answered with `respond()`.
  Replies are ephemeral except an on-demand summary (`Reply.ephemeral`).
- Role: `NEWSBOT_ADMIN_IDS` → admin; else `users.info` (`is_owner`/`is_primary_owner` →
  owner, `is_admin` → admin, else member), cached for `ROLE_TTL_S`. When `users.info` fails
  the role is None and admin commands fail closed.
- Sending: `chat.postMessage` without `link_names` or `parse`, unfurling off; a split digest
  is a parent message and thread replies; at most one message per second per channel from
  this process. No retry handler is installed on the client, so a POST is never re-sent by
  slack_sdk: a 429 becomes `RateLimited(retry_after_s)` (the service re-schedules),
  `channel_not_found`/`not_in_channel`/`is_archived` → `ChannelUnavailable`, other
  permanent errors (`invalid_auth`, `account_inactive`, …) → `PermanentError`. When a
  split digest fails after its first messages, the parts already posted are remembered, so
  the re-sent delivery continues in the same thread instead of posting them twice.
- Tests point the client at a fake Web API with `NEWSBOT_SLACK_API_URL` (must end with `/`).

Tokens and the signing secret are `SecretStr`, read only when the clients are built; the
library loggers get a filter that masks tokens and `response_url`s even at DEBUG.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import (
    DIGEST_LIMITS,
    MAX_ITEMS_PER_MESSAGE,
    Payload,
    message_violations,
    render_digest,
    render_reply,
    render_text,
)
from bot.config import Settings
from bot.core.commands import is_slow
from bot.core.models import Caller, ChannelRef, Digest, Lang, Reply, Role
from bot.errors import ChannelUnavailable, InputError, PermanentError, RateLimited, TransientError
from bot.ports import AdapterLimits, CommandHandler, SuggestHandler

log = logging.getLogger(__name__)

ACK_WITHIN_S = 2.0  # answer in the ack when the service is this quick, else respond() later
ROLE_TTL_S = 300.0  # how long a users.info answer is trusted
MIN_INTERVAL_S = 1.0  # between two messages to one channel
MAX_RESPONDS = 5  # a response_url takes 5 messages
CHANNEL_GONE = frozenset({"channel_not_found", "not_in_channel", "is_archived"})
AUTH_FAILED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                         "token_expired", "no_permission", "missing_scope", "org_login_required",
                         "ekm_access_denied", "team_access_not_granted"})
TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable",
                       "request_timeout", "ratelimited"})
_FAILED: dict[Lang, str] = {
    "de": "Das hat nicht geklappt; bitte später noch einmal versuchen.",
    "en": "Something went wrong; please try again later.",
}

_SECRETS = [
    (re.compile(r"xox[a-z]-[A-Za-z0-9\-]+"), "xox*-***"),
    (re.compile(r"xapp-[A-Za-z0-9\-]+"), "xapp-***"),
    (re.compile(r"""(response_url['"]?\s*[:=]\s*['"]?)[^'"&\s,}]+"""), r"\1***"),
    (re.compile(r"https://hooks\.slack\.com/[^\s'\"]+"), "https://hooks.slack.com/***"),
    # a response_url's secret part on any host (hooks.slack.com/commands/T…/…/SECRET)
    (re.compile(r"(/commands/[A-Z0-9]+/\d+/)[A-Za-z0-9_\-]+"), r"\1***"),
]


_MODULE_LOGGERS = ("slack_sdk.webhook.async_client", "slack_sdk.webhook.client",
                   "slack_sdk.web.async_base_client", "slack_sdk.socket_mode.aiohttp",
                   "slack_bolt")


def redact(text: str) -> str:
    """Bot, user and app tokens, `response_url`s and webhook URLs masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging to report
            return True
        record.msg, record.args = redact(message), None
        return True


def library_logger() -> logging.Logger:
    """The logger handed to slack_bolt and slack_sdk (and copied by Bolt to the loggers it
    creates), with the redacting filter."""
    logger = logging.getLogger("adapters.slack.lib")
    # respond() uses slack_sdk's webhook client, which logs the response_url on its own logger
    for each in (logger, *(logging.getLogger(name) for name in _MODULE_LOGGERS)):
        if not any(isinstance(f, _Redact) for f in each.filters):
            each.addFilter(_Redact())
    return logger


def digest_key(digest: Digest) -> str:
    """What identifies a delivery's content: the stories it carries (not the build time)."""
    ids = [f"{g.key}/{i.uid or i.link or i.title}" for g in digest.groups for i in g.items]
    raw = "\x1e".join([digest.lang, str(digest.instant), *ids, str(digest.overflow)])
    return hashlib.sha256(raw.encode()).hexdigest()


def role_from_user(user: Mapping[str, Any]) -> Role:
    if user.get("is_owner") or user.get("is_primary_owner"):
        return "owner"
    if user.get("is_admin"):
        return "admin"
    return "member"


def lang_from_locale(locale: object) -> Lang | None:
    if not isinstance(locale, str) or not locale:
        return None
    return "de" if locale.lower().startswith("de") else "en"


def _retry_after(headers: Mapping[str, Any] | None) -> float:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return 60.0
    return 60.0


def map_api_error(exc: SlackApiError, channel_id: str) -> Exception:
    """A Slack Web API failure as newsbot's error (see the module docstring)."""
    response = exc.response
    status = getattr(response, "status_code", 200)
    error = ""
    data = getattr(response, "data", None)
    if isinstance(data, dict):
        error = str(data.get("error") or "")
    if status == 429 or error == "ratelimited":
        return RateLimited(f"Slack rate limit on channel {channel_id}",
                           retry_after_s=_retry_after(getattr(response, "headers", None)))
    if error in CHANNEL_GONE:
        return ChannelUnavailable(f"Slack channel {channel_id}: {error}")
    if error in AUTH_FAILED:
        return PermanentError(f"Slack rejected the bot: {error}")
    if status >= 500 or error in TRANSIENT:
        return TransientError(f"Slack {status} {error} on channel {channel_id}")
    return PermanentError(f"Slack {status} {error or 'error'} on channel {channel_id}")


class SlackAdapter:
    name = "slack"
    limits = AdapterLimits(max_chars=DIGEST_LIMITS.max_chars, max_items=MAX_ITEMS_PER_MESSAGE,
                           max_messages_per_s=1.0 / MIN_INTERVAL_S)

    def __init__(self, settings: Settings | None = None, *, role_ttl_s: float = ROLE_TTL_S,
                 min_interval_s: float = MIN_INTERVAL_S,
                 ack_within_s: float = ACK_WITHIN_S) -> None:
        self._settings = settings or Settings()
        self._role_ttl_s = role_ttl_s
        self._min_interval_s = min_interval_s
        self._ack_within_s = ack_within_s
        self._on_command: CommandHandler | None = None
        self._app: AsyncApp | None = None
        self._client: AsyncWebClient | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._roles: dict[str, tuple[float, Role, Lang | None]] = {}
        self._channels: dict[str, tuple[asyncio.Lock, list[float]]] = {}
        self._progress: dict[tuple[str, str], tuple[str, int]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port: int | None = None  # the HTTP port actually bound (tests bind port 0)

    # --- construction --------------------------------------------------------------------

    def client(self) -> AsyncWebClient:
        """The Web API client (built on first use: `run --once` posts without start())."""
        if self._client is None:
            token = self._settings.slack_bot_token
            if token is None or not token.get_secret_value().strip():
                raise InputError("the Slack adapter needs NEWSBOT_SLACK_BOT_TOKEN")
            base_url = self._settings.slack_api_url
            if not base_url.endswith("/"):
                base_url += "/"
            # retry_handlers=[]: slack_sdk's connection-error retry could post a message twice
            self._client = AsyncWebClient(token=token.get_secret_value().strip(),
                                          base_url=base_url, logger=library_logger(),
                                          retry_handlers=[])
        return self._client

    def bolt_app(self) -> AsyncApp:
        if self._app is None:
            http = self._settings.slack_mode == "http"
            secret = self._settings.slack_signing_secret
            signing_secret = secret.get_secret_value().strip() if secret else ""
            if http and not signing_secret:
                raise InputError("Slack HTTP mode needs NEWSBOT_SLACK_SIGNING_SECRET")
            app = AsyncApp(name="newsbot", client=self.client(), signing_secret=signing_secret,
                           logger=library_logger(), request_verification_enabled=http,
                           ssl_check_enabled=http, url_verification_enabled=http)
            app.command("/news")(self._command)
            self._app = app
        return self._app

    # --- lifecycle -----------------------------------------------------------------------

    async def start(
        self, on_command: CommandHandler, *, suggest: SuggestHandler | None = None
    ) -> None:
        self._on_command = on_command
        app = self.bolt_app()
        if self._settings.slack_mode == "http":
            await self._serve_http(app)
            log.info("slack: HTTP mode on %s:%s (POST /slack/events, GET /healthz)",
                     self._settings.http_host, self.port)
            return
        app_token = self._settings.slack_app_token
        if app_token is None or not app_token.get_secret_value().strip():
            raise InputError("Slack Socket Mode needs NEWSBOT_SLACK_APP_TOKEN "
                             "(or set NEWSBOT_SLACK_MODE=http)")
        self._socket = AsyncSocketModeHandler(app, app_token.get_secret_value().strip(),
                                              logger=library_logger())
        try:
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
        except SlackApiError as exc:
            raise map_api_error(exc, "-") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise TransientError(f"Slack Socket Mode: {type(exc).__name__}") from None
        log.info("slack: Socket Mode connected")

    async def _serve_http(self, app: AsyncApp) -> None:
        async def events(request: web.Request) -> web.Response:
            bolt_response = await app.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(bolt_response)

        async def healthz(_: web.Request) -> web.Response:
            return web.json_response({"ok": True})

        web_app = web.Application(client_max_size=256 * 1024)
        web_app.router.add_post("/slack/events", events)
        web_app.router.add_get("/healthz", healthz)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._settings.http_host, self._settings.http_port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise PermanentError(f"cannot listen on {self._settings.http_host}:"
                                 f"{self._settings.http_port}: {exc.strerror}") from None
        self._runner = runner
        address = runner.addresses[0]
        self.port = int(address[1])

    async def stop(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            with contextlib.suppress(Exception):
                await socket.close_async()  # type: ignore[no-untyped-call]
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        for task in list(self._tasks):
            task.cancel()
        client, self._client = self._client, None
        session = getattr(client, "session", None)
        if session is not None and not session.closed:
            await session.close()
        self._app = None

    # --- sending -------------------------------------------------------------------------

    async def send_digest(self, channel_id: str, digest: Digest) -> None:
        await self._post(channel_id, render_digest(digest), digest_key(digest))

    async def send_notice(self, channel_id: str, text: str) -> None:
        key = hashlib.sha256(f"notice\x1e{text}".encode()).hexdigest()
        await self._post(channel_id, render_text(text.splitlines() or [text]), key)

    async def _post(self, channel_id: str, messages: list[Payload], key: str) -> None:
        for message in messages:
            problems = message_violations(message)
            if problems:  # a renderer bug: never send what Slack would reject
                raise PermanentError(f"message over Slack's limits: {problems[:3]}")
        client = self.client()
        parent, done = self._progress.pop((channel_id, key), ("", 0))
        for n, message in enumerate(messages):
            if n < done:
                continue
            kwargs: dict[str, Any] = {"channel": channel_id, "text": message["text"],
                                      "unfurl_links": False, "unfurl_media": False}
            if message.get("blocks"):
                kwargs["blocks"] = message["blocks"]
            if parent:
                kwargs["thread_ts"] = parent
            try:
                response = await self._paced(channel_id, functools.partial(client.chat_postMessage,
                                                                       **kwargs))
            except SlackApiError as exc:
                self._remember(channel_id, key, parent, n)
                raise map_api_error(exc, channel_id) from None
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                self._remember(channel_id, key, parent, n)
                raise TransientError(f"Slack unreachable: {type(exc).__name__}") from None
            if not parent:
                parent = str(response.get("ts") or "")

    def _remember(self, channel_id: str, key: str, parent: str, sent: int) -> None:
        if sent and parent:
            if len(self._progress) >= 1000:  # bounded: the oldest entry goes
                self._progress.pop(next(iter(self._progress)))
            self._progress[(channel_id, key)] = (parent, sent)

    async def _paced(self, channel_id: str, post: Callable[[], Awaitable[Any]]) -> Any:
        """Run one post to `channel_id` at least `min_interval_s` after the previous one."""
        lock, last = self._channels.setdefault(channel_id, (asyncio.Lock(), [0.0]))
        async with lock:
            wait = last[0] + self._min_interval_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await post()
            finally:
                last[0] = time.monotonic()

    # --- commands ------------------------------------------------------------------------

    async def caller_of(self, command: Mapping[str, Any]) -> Caller:
        user_id = str(command.get("user_id") or "")
        channel = ChannelRef("slack", str(command.get("channel_id") or ""))
        role, locale = await self._role(user_id)
        return Caller(channel=channel, user_id=user_id, role=role, locale=locale)

    async def _role(self, user_id: str) -> tuple[Role | None, Lang | None]:
        now = time.monotonic()
        cached = self._roles.get(user_id)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        try:
            response = await self.client().users_info(user=user_id, include_locale=True)
            user = response.get("user") or {}
        except (SlackApiError, TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("slack: users.info failed (%s): role unknown, admin commands refused",
                        type(exc).__name__)
            if user_id in self._settings.admin_ids:
                return "admin", None
            return None, None
        locale = lang_from_locale(user.get("locale"))
        role: Role = "admin" if user_id in self._settings.admin_ids else role_from_user(user)
        self._roles[user_id] = (now + self._role_ttl_s, role, locale)
        return role, locale

    async def _command(self, ack: AsyncAck, respond: AsyncRespond,
                       command: dict[str, Any]) -> None:
        handler = self._on_command
        if handler is None:
            await ack()
            return
        text = f"/news {command.get('text') or ''}".strip()
        if is_slow(text):
            await ack()

        async def run() -> Reply:
            caller = await self.caller_of(command)
            try:
                return await handler(caller, text)
            except Exception:
                log.exception("slack: command failed")
                return Reply(lines=(_FAILED[caller.locale or "en"],), error=True)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        acked = is_slow(text)
        if not acked:
            done, _ = await asyncio.wait({task}, timeout=self._ack_within_s)
            if not done:
                await ack()
                acked = True
        reply = await task
        messages = render_reply(reply)
        response_type = "ephemeral" if reply.ephemeral else "in_channel"
        if not acked:
            first, *messages = messages
            await ack(text=first["text"], blocks=first.get("blocks"),
                      response_type=response_type, unfurl_links=False, unfurl_media=False)
        for message in messages[:MAX_RESPONDS]:
            try:
                await respond(text=message["text"], blocks=message.get("blocks"),
                              response_type=response_type, replace_original=False,
                              unfurl_links=False, unfurl_media=False)
            except Exception as exc:  # the response_url expired or Slack is down
                log.warning("slack: could not answer a command: %s", type(exc).__name__)
                return
