"""APScheduler 3 as the tick only: what is due lives in our tables, not in the scheduler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.errors import NewsbotError

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


def _guarded(name: str, work: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[None]]:
    """A failing tick is logged and retried at the next tick; it never kills the scheduler."""

    async def tick() -> None:
        try:
            await work()
        except NewsbotError as exc:
            log.warning("%s tick aborted: %s", name, exc)
        except Exception:
            log.exception("%s tick crashed", name)

    return tick


def build_scheduler(app: App) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=UTC)
    now = datetime.now(UTC)
    common = {"coalesce": True, "max_instances": 1, "next_run_time": now}
    scheduler.add_job(_guarded("poll", app.service.poll_due_feeds), "interval",
                      seconds=app.settings.poll_tick_s, id="poll", **common)
    scheduler.add_job(_guarded("deliver", app.service.deliver_due), "interval",
                      seconds=app.settings.deliver_tick_s, id="deliver", **common)
    return scheduler
