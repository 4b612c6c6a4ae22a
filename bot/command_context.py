"""What every command handler gets: who asked, in which language, and the audit log to write.

The audit rule (one place): a command that changes something writes one entry with outcome
`ok`; an admin command that was understood but failed (unknown watchlist, a feed that cannot
be fetched, an invalid import) writes `error`; an admin command from someone without the
role writes `refused` and nothing else. Read-only commands (list, show, export, status,
summary, why, help) and commands the grammar rejected write nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.models import AuditEntry, AuditOutcome, Caller, Lang
from bot.ports import Clock, FetchResult
from bot.store.sql import SqlStore

# the app's fetcher, for one fetch of a feed being added (`FeedFetcher.fetch` fits)
FetchFeed = Callable[[str], Awaitable[FetchResult]]
# raises `bot.errors.FetchError` with the reason a URL must not be fetched
UrlCheck = Callable[[str], None]

MAX_DETAIL_CHARS = 500


@dataclass(frozen=True, slots=True)
class Request:
    caller: Caller
    lang: Lang  # the channel's language (replies)
    timezone: str  # the channel's time zone (times shown in replies)


def printable(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """`text` for a log line: control and format characters replaced, at most `limit` chars."""
    cleaned = "".join("?" if unicodedata.category(ch) in {"Cc", "Cf"} else ch for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[:limit - 1] + "…"


class Auditor:
    def __init__(self, *, store: SqlStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def record(self, req: Request, action: str, *, target: str = "", detail: str = "",
                     outcome: AuditOutcome = "ok") -> None:
        caller = req.caller
        await self._store.add_audit(AuditEntry(
            at=self._clock.now(), platform=caller.channel.platform,
            channel=caller.channel.external_id, user_id=caller.user_id, action=action,
            target=printable(target, 2048), detail=printable(detail), outcome=outcome,
        ))
