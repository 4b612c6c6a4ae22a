"""The ports: small protocols the service depends on. Adapters and stores implement them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.models import Caller, Digest, Lang, Reply


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC now."""
        ...


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched feed body, or `not_modified` for a 304 (then `body` is empty)."""

    url: str  # final URL after redirects
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    content_type: str | None = None
    max_age_s: float | None = None  # from Cache-Control/Expires: a lower bound for the next poll
    # where the leading 301/308 hops of the redirect chain led (None: no permanent redirect);
    # `bot.core.redirects` decides when the stored URL follows it
    permanent_url: str | None = None


class FeedFetcher(Protocol):
    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Conditional GET. Raises `bot.errors.FetchError` on failure."""
        ...


@dataclass(frozen=True, slots=True)
class AdapterLimits:
    """A platform's message limits, declared as data by its adapter."""

    max_chars: int  # per message, all text included
    max_items: int  # digest items per message
    max_messages_per_s: float = 1.0


CommandHandler = Callable[[Caller, str], Awaitable[Reply]]
# (caller, field, what was typed) → completions; field: "target", "subscription", "watchlist"
SuggestHandler = Callable[[Caller, str, str], Awaitable[list[str]]]


class ChatAdapter(Protocol):
    """A chat platform: receives commands, sends digests and notices.

    Receiving and sending are separate (process roles, `bot.roles`): only a `chat` or `all`
    process calls `start`, which opens the platform's command connection (Discord gateway,
    Slack Socket Mode or HTTP listener, the console prompt); there must be one per bot.
    Poller and sender processes never call it, so `send_digest`/`send_notice` must work
    without `start`, opening only what sending needs (a REST client, lazily), and `stop`
    must close whatever was opened either way, also when `start` never ran.
    """

    name: str
    limits: AdapterLimits

    async def start(
        self, on_command: CommandHandler, *, suggest: SuggestHandler | None = None
    ) -> None:
        """Begin taking commands; `suggest` feeds autocomplete where the platform has it."""
        ...

    async def stop(self) -> None:
        """Close the command connection and the sending clients; safe without `start`."""
        ...

    async def send_digest(self, channel_id: str, digest: Digest) -> None:
        """Post a digest; raises TransientError/PermanentError on failure."""
        ...

    async def send_notice(self, channel_id: str, text: str) -> None: ...


class Summarizer(Protocol):
    """Condenses an article, in `target_lang`, translating when the article is in another.

    Optional (an LLM behind an OpenAI-compatible endpoint); without one the extractive
    summary stands. Returns plain text of at most `max_chars` characters; raises
    `TransientError` (timeouts, rate limits, 5xx, an unusable answer) or `PermanentError`
    (bad credentials, unknown model) on failure, and the caller keeps the extractive summary.
    """

    async def summarize(
        self,
        *,
        title: str,
        text: str,
        source_lang: str | None,
        target_lang: Lang,
        focus: Sequence[str],
        max_chars: int,
    ) -> str: ...
