"""Time maths for polling, backoff, digests and quiet hours. Pure: `now` is always passed in."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

MAX_BACKOFF_S = 6 * 3600
DISABLE_AFTER_ERRORS = 10


def check_timezone(name: str) -> str:
    """Return the IANA name if it exists; raise ValueError with a readable message otherwise."""
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        raise ValueError(f"unknown time zone {name!r}")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use a name like Europe/Berlin)") from None
    return name


def parse_clock(text: str) -> time:
    """`08:00` → time(8, 0). Raises ValueError for impossible times such as `25:00`."""
    found = _CLOCK.match(text.strip())
    if not found:
        raise ValueError(f"{text!r} is not a time of day (HH:MM, 00:00–23:59)")
    return time(int(found.group(1)), int(found.group(2)))


_INTERVAL = re.compile(r"^\s*(\d+)\s*([smh])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}
MIN_INTERVAL_S = 10


def parse_interval(text: str | int) -> int:
    """A poll interval: `10m` → 600. Plain integers are seconds. Minimum 10 s."""
    if isinstance(text, int):
        seconds = text
    else:
        found = _INTERVAL.match(text)
        if not found:
            raise ValueError(f"interval must look like 30s, 10m or 1h, not {text!r}")
        seconds = int(found.group(1)) * _SECONDS[found.group(2)]
    if seconds < MIN_INTERVAL_S:
        raise ValueError(f"interval must be at least {MIN_INTERVAL_S}s")
    return seconds


def format_interval(seconds: int) -> str:
    """The shortest exact spelling `parse_interval` reads back: 600 → `10m`, 90 → `90s`."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True, slots=True)
class QuietHours:
    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # spans midnight


def parse_quiet(text: str) -> QuietHours:
    """`22:00-07:00` → QuietHours. Equal start and end is refused (it would mean always)."""
    parts = text.replace("–", "-").split("-")
    if len(parts) != 2:
        raise ValueError(f"{text!r} is not a range like 22:00-07:00")
    start, end = parse_clock(parts[0]), parse_clock(parts[1])
    if start == end:
        raise ValueError(f"{text!r} has the same start and end")
    return QuietHours(start, end)


def in_quiet_hours(now: datetime, quiet: str | None, tz: str) -> bool:
    if not quiet:
        return False
    local = now.astimezone(ZoneInfo(tz)).time()
    return parse_quiet(quiet).contains(local)


def next_digest_at(after: datetime, schedule: Sequence[str], tz: str) -> datetime | None:
    """The first scheduled digest time strictly after `after` (UTC), or None without a schedule.

    Wall-clock times are resolved in the channel's zone for each day, so a digest at 08:00
    stays at 08:00 local across daylight-saving changes.
    """
    if not schedule:
        return None
    zone = ZoneInfo(tz)
    local_after = after.astimezone(zone)
    times = sorted(parse_clock(s) for s in schedule)
    for day_offset in range(3):
        day = local_after.date() + timedelta(days=day_offset)
        for t in times:
            candidate = datetime.combine(day, t, tzinfo=zone)
            if candidate > local_after:
                return candidate.astimezone(UTC)
    return None  # unreachable with a non-empty schedule


def digest_due(now: datetime, last_sent: datetime | None, schedule: Sequence[str], tz: str,
               *, created: datetime) -> bool:
    """A digest is due when a scheduled time has passed since the last one (or since creation)."""
    due = next_digest_at(last_sent or created, schedule, tz)
    return due is not None and due <= now


def next_poll_at(
    now: datetime,
    *,
    interval_s: int,
    error_count: int = 0,
    retry_after_s: float | None = None,
    max_age_s: float | None = None,
    rng: random.Random | None = None,
) -> datetime:
    """When to poll a feed next.

    Success: after `interval_s`, but never before the server's `max_age_s`.
    Errors: exponential backoff from the interval with ±20 % jitter (so many feeds on one
    failing host spread out), capped at 6 h; `Retry-After` is a hard lower bound.
    """
    delay = float(interval_s)
    if error_count > 0:
        delay = min(interval_s * (2 ** min(error_count, 16)), MAX_BACKOFF_S)
        jitter = (rng or random.Random()).uniform(0.8, 1.2)
        delay = max(float(interval_s), delay * jitter)
    if max_age_s is not None:
        delay = max(delay, min(max_age_s, MAX_BACKOFF_S))
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return now + timedelta(seconds=delay)
