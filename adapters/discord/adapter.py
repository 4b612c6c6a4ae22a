"""The Discord adapter (discord.py 2.x): `/news …` as an app-command group over the gateway,
digests and notices posted as embeds over REST.

- Intents: the default ones minus every privileged intent (no message content, members or
  presences): slash commands arrive as interactions, which need none of them.
- Commands: one `/news` group whose subcommands and typed options mirror the core grammar
  (`bot.core.commands`); each handler writes the `/news …` text and hands it to the command
  service, so both platforms share one parser and one permission check. Admin commands
  (`watchlist …`, `feed …`) are re-checked here: Discord's `default_member_permissions`
  applies only to a whole top-level command and is a hint an admin can override, so the
  caller's role comes from the interaction's resolved permissions (Manage Guild or
  Administrator → admin; the guild owner → owner; `NEWSBOT_ADMIN_IDS` → admin).
- Deadline: Discord needs an answer within 3 s. Commands `is_slow` says are deferred at once
  (then followed up); any other command is deferred when its answer takes longer than
  `DEFER_AFTER_S`.
- Sending: every message goes out with `AllowedMentions.none()` and a nonce derived from the
  channel and the stories it carries, with `enforce_nonce`, so a retried delivery within
  Discord's dedupe window cannot post twice. 429s are retried by discord.py; when it gives
  up, `bot.errors.RateLimited`; 403/404 → `bot.errors.ChannelUnavailable`.
- Tests point it at fakes on 127.0.0.1 with `NEWSBOT_DISCORD_API_BASE` and
  `NEWSBOT_DISCORD_GATEWAY_URL` (assigned to `discord.http.Route.BASE` and
  `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`).

The token is a `SecretStr` and is read only when logging in; it is never logged, and the
interaction and webhook tokens in discord.py's debug lines are masked (`_RedactTokens`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands

from adapters.discord.commands import Completer, Runner, build_news_group
from adapters.discord.commands_de import GermanDescriptions
from adapters.discord.render import (
    DIGEST_LIMITS,
    MAX_ITEMS_PER_MESSAGE,
    Payload,
    payload_violations,
    render_digest,
    render_reply,
    render_text,
)
from bot.config import Settings
from bot.core.commands import CommandError, Summary, is_slow, parse_command
from bot.core.i18n import t
from bot.core.models import Caller, ChannelRef, Digest, Lang, Reply, Role
from bot.errors import ChannelUnavailable, InputError, PermanentError, RateLimited, TransientError
from bot.ports import AdapterLimits, CommandHandler, SuggestHandler

log = logging.getLogger(__name__)

DEFER_AFTER_S = 2.0  # answer directly when the service is this quick, else defer
MAX_RATELIMIT_WAIT_S = 30.0  # longer 429 waits are not slept through: RateLimited instead
NONCE_CHARS = 25  # Discord's limit for a string nonce


def minimal_intents() -> discord.Intents:
    """What the bot needs: guilds (channels, the owner) and nothing privileged."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


def configure_endpoints(api_base: str | None, gateway_url: str | None) -> None:
    """Point discord.py at other REST and gateway endpoints (the tests' fakes)."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def delivery_nonce(channel_id: str, digest_key: str, part: int) -> str:
    """A nonce for one message of one delivery: the same delivery retried gives the same
    nonce, so Discord (with `enforce_nonce`) returns the message it already created."""
    digest = hashlib.sha256(f"{channel_id}\x1f{digest_key}\x1f{part}".encode()).hexdigest()
    return digest[:NONCE_CHARS]


def digest_key(digest: Digest) -> str:
    """What identifies a delivery's content: the stories it carries (not the build time,
    which a retry recomputes)."""
    ids = [f"{g.key}/{i.uid or i.link or i.title}" for g in digest.groups for i in g.items]
    return "\x1e".join([digest.lang, str(digest.instant), *ids, str(digest.overflow)])


def role_of(interaction: discord.Interaction[Any], admin_ids: Sequence[str]) -> Role:
    """The caller's role, decided here again whatever Discord's command permissions say."""
    user_id = interaction.user.id
    if str(user_id) in admin_ids:
        return "admin"
    if interaction.guild_id is None:
        return "member"  # a DM: nothing to administer
    guild = interaction.guild
    if guild is not None and guild.owner_id == user_id:
        return "owner"
    perms = interaction.permissions
    if perms.administrator or perms.manage_guild:
        return "admin"
    return "member"


def locale_of(interaction: discord.Interaction[Any]) -> Lang | None:
    locale = interaction.guild_locale or interaction.locale
    if locale is None:
        return None
    return "de" if str(locale.value).lower().startswith("de") else "en"


def _private(text: str) -> bool:
    """Whether a reply is for the caller only: everything but an on-demand summary."""
    try:
        return not isinstance(parse_command(text), Summary)
    except CommandError:
        return True


def _kwargs(message: Payload) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if message.get("content"):
        kwargs["content"] = message["content"]
    embeds = message.get("embeds") or []
    if embeds:
        kwargs["embeds"] = [discord.Embed.from_dict(e) for e in embeds]
    return kwargs


_TOKEN_IN_URL = re.compile(r"/(webhooks|interactions)/(\d+)/[A-Za-z0-9_.\-]+")
_TOKEN_FIELD = re.compile(r"""(['"]token['"]:\s*['"])[^'"]+""")


def redact(text: str) -> str:
    """Interaction/webhook tokens in URLs and `'token': …` fields of payloads masked."""
    return _TOKEN_FIELD.sub(r"\1***", _TOKEN_IN_URL.sub(r"/\1/\2/***", text))


class _RedactTokens(logging.Filter):
    """Masks tokens in discord.py's log lines (URLs and gateway payloads at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg, record.args = redact(record.getMessage()), None
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


_REDACT = _RedactTokens()


class NewsClient(discord.Client):
    """A client whose `setup_hook` registers `/news` and uploads it (tree sync)."""

    def __init__(self, *, run: Runner, complete: Completer, sync_commands: bool,
                 **options: Any) -> None:
        super().__init__(intents=minimal_intents(),
                         allowed_mentions=discord.AllowedMentions.none(),
                         max_ratelimit_timeout=MAX_RATELIMIT_WAIT_S, **options)
        self.tree = app_commands.CommandTree(self)
        self.tree.add_command(build_news_group(run, complete))
        self._sync_commands = sync_commands

    async def setup_hook(self) -> None:
        await self.tree.set_translator(GermanDescriptions())
        if self._sync_commands:
            commands = await self.tree.sync()
            log.info("discord: %d application command(s) registered", len(commands))


class DiscordAdapter:
    name = "discord"
    limits = AdapterLimits(max_chars=DIGEST_LIMITS.max_chars, max_items=MAX_ITEMS_PER_MESSAGE,
                           max_messages_per_s=1.0)

    def __init__(self, settings: Settings | None = None, *, guild_ready_timeout: float = 2.0,
                 sync_commands: bool = True) -> None:
        self._settings = settings or Settings()
        self._guild_ready_timeout = guild_ready_timeout
        self._sync_commands = sync_commands
        self._on_command: CommandHandler | None = None
        self._suggest: SuggestHandler | None = None
        self._client: NewsClient | None = None
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._login_lock = asyncio.Lock()

    @property
    def client(self) -> NewsClient | None:
        return self._client

    async def start(
        self, on_command: CommandHandler, *, suggest: SuggestHandler | None = None
    ) -> None:
        """Log in (REST), register `/news` and connect to the gateway in the background;
        `suggest` answers autocomplete."""
        self._on_command = on_command
        self._suggest = suggest
        async with self._login_lock:
            if self._client is not None:  # a REST-only login from an earlier send
                await self._client.close()
                self._client = None
            client = await self._login(sync_commands=self._sync_commands)
        self._runner = asyncio.create_task(self._connect(client), name="discord-gateway")
        log.info("discord: logged in as %s", client.user)

    async def _login(self, *, sync_commands: bool) -> NewsClient:
        token = self._settings.discord_token
        if token is None or not token.get_secret_value().strip():
            raise InputError("the Discord adapter needs NEWSBOT_DISCORD_TOKEN")
        configure_endpoints(self._settings.discord_api_base, self._settings.discord_gateway_url)
        for name in ("discord.http", "discord.webhook.async_", "discord.gateway",
                     "discord.state", "discord.client"):
            logging.getLogger(name).addFilter(_REDACT)
        client = NewsClient(run=self._run, complete=self._complete, sync_commands=sync_commands,
                            guild_ready_timeout=self._guild_ready_timeout)
        try:
            await client.login(token.get_secret_value().strip())
        except discord.LoginFailure:
            await client.close()
            raise PermanentError("Discord rejected the bot token (NEWSBOT_DISCORD_TOKEN)") \
                from None
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            await client.close()
            raise TransientError(f"Discord login failed: {type(exc).__name__}") from None
        self._client = client
        return client

    async def _connect(self, client: NewsClient) -> None:
        try:
            await client.connect(reconnect=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the gateway gave up: logged, the bot keeps delivering
            log.error("discord: gateway connection ended: %s", type(exc).__name__)

    async def wait_until_ready(self, limit_s: float = 10.0) -> None:
        assert self._client is not None, "start() first"
        async with asyncio.timeout(limit_s):
            await self._client.wait_until_ready()

    async def stop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner
            self._runner = None
        for task in list(self._tasks):
            task.cancel()

    # --- sending -------------------------------------------------------------------------

    async def send_digest(self, channel_id: str, digest: Digest) -> None:
        await self._post(channel_id, render_digest(digest), digest_key(digest))

    async def send_notice(self, channel_id: str, text: str) -> None:
        await self._post(channel_id, render_text(text.splitlines() or [text]),
                         f"notice\x1e{text}")

    async def _post(self, channel_id: str, messages: list[Payload], key: str) -> None:
        # `run --once` sends without starting the gateway: REST needs only a login
        async with self._login_lock:
            client = self._client or await self._login(sync_commands=False)
        try:
            channel = client.get_partial_messageable(int(channel_id))
        except ValueError:
            raise ChannelUnavailable(f"not a Discord channel id: {channel_id[:40]!r}") from None
        for part, message in enumerate(messages, start=1):
            problems = payload_violations(message)
            if problems:  # a renderer bug: never send what Discord would reject
                raise PermanentError(f"message over Discord's limits: {problems[:3]}")
            try:
                await channel.send(**_kwargs(message),
                                   nonce=delivery_nonce(channel_id, key, part))
            except discord.RateLimited as exc:
                raise RateLimited(f"Discord rate limit on channel {channel_id}",
                                  retry_after_s=exc.retry_after) from None
            except (discord.Forbidden, discord.NotFound) as exc:
                raise ChannelUnavailable(
                    f"Discord channel {channel_id}: {exc.status} {exc.text[:100]}") from None
            except discord.DiscordServerError as exc:
                raise TransientError(f"Discord {exc.status} on channel {channel_id}") from None
            except discord.HTTPException as exc:
                if exc.status == 429:  # not retried by discord.py (no Via: a ban or a proxy)
                    retry = exc.response.headers.get("Retry-After", "60")
                    raise RateLimited(f"Discord 429 on channel {channel_id}",
                                      retry_after_s=_seconds(retry)) from None
                if exc.status == 401:
                    raise PermanentError("Discord rejected the bot token") from None
                raise PermanentError(
                    f"Discord {exc.status} on channel {channel_id}: {exc.text[:100]}") from None
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise TransientError(f"Discord unreachable: {type(exc).__name__}") from None

    # --- commands ------------------------------------------------------------------------

    def caller_of(self, interaction: discord.Interaction[Any]) -> Caller:
        channel_id = interaction.channel_id or 0
        return Caller(channel=ChannelRef("discord", str(channel_id)),
                      user_id=str(interaction.user.id),
                      role=role_of(interaction, self._settings.admin_ids),
                      locale=locale_of(interaction))

    async def _complete(self, interaction: discord.Interaction[Any], field: str,
                        current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete: complete the last word of what was typed; never raises (Discord
        shows nothing rather than an error)."""
        if self._suggest is None:
            return []
        head, _, last = current.rpartition(" ")
        try:
            found = await self._suggest(self.caller_of(interaction), field, last)
        except Exception:
            log.exception("discord: autocomplete failed")
            return []
        values = [f"{head} {word}".strip() for word in found]
        return [app_commands.Choice(name=v[:100], value=v[:100]) for v in values]

    async def _run(self, interaction: discord.Interaction[Any], text: str) -> None:
        handler = self._on_command
        if handler is None:
            return
        caller = self.caller_of(interaction)
        private = _private(text)

        async def call() -> Reply:
            return await handler(caller, text)

        task = asyncio.create_task(call())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            if is_slow(text):
                await interaction.response.defer(ephemeral=private, thinking=True)
            else:
                done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER_S)
                if not done:
                    await interaction.response.defer(ephemeral=private, thinking=True)
        except discord.HTTPException as exc:
            log.warning("discord: could not acknowledge a command: %s", exc.status)
        try:
            reply = await task
        except Exception:
            log.exception("discord: command failed")
            # the command service itself failed (it logged why)
            reply = Reply(lines=(t(caller.locale or "en",
                                   "Something went wrong; please try again later."),),
                          error=True)
        await self._respond(interaction, reply)

    async def _respond(self, interaction: discord.Interaction[Any], reply: Reply) -> None:
        messages = render_reply(reply)
        try:
            for n, message in enumerate(messages):
                kwargs = _kwargs(message)
                if n == 0 and not interaction.response.is_done():
                    await interaction.response.send_message(ephemeral=reply.ephemeral,
                                                            **kwargs)
                else:
                    await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)
        except discord.HTTPException as exc:
            log.warning("discord: could not answer a command: %s", exc.status)


def _seconds(value: str) -> float:
    try:
        return max(0.0, float(value))
    except ValueError:
        return 60.0
