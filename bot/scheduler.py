"""APScheduler 3 as the tick only: what is due lives in our tables, not in the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.errors import NewsbotError
from bot.roles import PLANS, Role

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


class InFlight:
    """The ticks running now. A stopping process lets them finish: APScheduler's shutdown
    cancels running jobs, and a send cut off between the post and its record would be
    posted again by whoever takes the lease over."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def tick(self) -> Iterator[None]:
        self._running += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._running -= 1
            if not self._running:
                self._idle.set()

    async def drain(self, within_s: float) -> bool:
        """Wait for the running ticks to end; False when `within_s` passed first."""
        try:
            async with asyncio.timeout(within_s):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True


PRUNE_EVERY_S = 3600.0  # entry retention is counted in days: once an hour is plenty


def _guarded(name: str, work: Callable[[], Awaitable[Any]],
             in_flight: InFlight | None = None) -> Callable[[], Awaitable[None]]:
    """A failing tick is logged and retried at the next tick; it never kills the scheduler."""
    running = in_flight or InFlight()

    async def tick() -> None:
        with running.tick():
            try:
                await work()
            except NewsbotError as exc:
                log.warning("%s tick aborted: %s", name, exc)
            except Exception:
                log.exception("%s tick crashed", name)

    return tick


def build_scheduler(app: App, *, role: Role = "all",
                    in_flight: InFlight | None = None) -> AsyncIOScheduler:
    """The ticks of `role` (`bot.roles`): poll, deliver, both, or none for `chat`."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    now = datetime.now(UTC)
    common = {"coalesce": True, "max_instances": 1, "next_run_time": now}
    jobs = PLANS[role].jobs
    in_flight = in_flight or InFlight()
    if "poll" in jobs:
        scheduler.add_job(_guarded("poll", app.service.poll_due_feeds, in_flight), "interval",
                          seconds=app.settings.poll_tick_s, id="poll", **common)
        # pollers store the entries, so they forget the old ones too (one at a time)
        scheduler.add_job(_guarded("prune", app.service.prune_entries, in_flight), "interval",
                          seconds=PRUNE_EVERY_S, id="prune", **common)
    if "deliver" in jobs:
        scheduler.add_job(_guarded("deliver", app.service.deliver_due, in_flight), "interval",
                          seconds=app.settings.deliver_tick_s, id="deliver", **common)
    return scheduler
