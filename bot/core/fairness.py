"""Which claimed feeds a poll batch starts, and in what order. Pure.

The fetcher lets only `NEWSBOT_FETCH_PER_HOST` fetches talk to one host at once. A batch
therefore keeps at most that many feeds of any host (`take_per_host`); the poller gives the
rest back for the next batch. Kept, they would sit out their claim's lease waiting for the
host, and another worker would fetch them a second time once it ran out. Within the batch,
hosts take turns (`round_robin_by_host`), so a busy host never fills the global slots
(`NEWSBOT_FETCH_CONCURRENCY`) with requests that only wait.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from bot.core.models import FeedState


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def take_per_host(feeds: Sequence[FeedState], per_host: int
                  ) -> tuple[list[FeedState], list[FeedState]]:
    """(this batch, the next ones): the first `per_host` feeds of each host, and the rest."""
    taken: dict[str, int] = {}
    now: list[FeedState] = []
    later: list[FeedState] = []
    for feed in feeds:
        host = _host(feed.url)
        taken[host] = taken.get(host, 0) + 1
        (now if taken[host] <= per_host else later).append(feed)
    return now, later


def round_robin_by_host(feeds: Sequence[FeedState]) -> list[FeedState]:
    """One feed of each host in turn (A1 B1 C1 A2 B2 A3), each host's feeds in their order."""
    queues: dict[str, list[FeedState]] = {}
    for feed in feeds:
        queues.setdefault(_host(feed.url), []).append(feed)
    spread: list[FeedState] = []
    for turn in range(max((len(q) for q in queues.values()), default=0)):
        spread.extend(q[turn] for q in queues.values() if turn < len(q))
    return spread
