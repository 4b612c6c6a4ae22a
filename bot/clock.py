"""The real clock. Everything else receives `now` or a `Clock`, so tests control time."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
