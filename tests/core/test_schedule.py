from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.core.schedule import (
    MAX_BACKOFF_S,
    check_timezone,
    digest_due,
    in_quiet_hours,
    next_digest_at,
    next_poll_at,
    parse_clock,
    parse_quiet,
)

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)  # 10:30 in Berlin (CET)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("08:00", time(8)), ("7:05", time(7, 5)), ("23:59", time(23, 59))],
    ids=["pad", "short", "max"],
)
def test_parse_clock(text: str, expected: time) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "8"], ids=["hour", "minute", "word",
                                                                      "bare"])
def test_parse_clock_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="time of day"):
        parse_clock(text)


def test_timezones() -> None:
    assert check_timezone("Europe/Berlin") == "Europe/Berlin"
    for bad in ("Mars/Base", "", "../etc/passwd"):
        with pytest.raises(ValueError, match="time zone"):
            check_timezone(bad)


@pytest.mark.parametrize(
    ("quiet", "utc_hour", "inside"),
    [("22:00-07:00", 22, True), ("22:00-07:00", 5, True), ("22:00-07:00", 9, False),
     ("12:00-13:00", 11, True), ("12:00-13:00", 12, False)],
    ids=["late", "early", "day", "noon-inside", "after"],
)
def test_quiet_hours_in_channel_zone(quiet: str, utc_hour: int, inside: bool) -> None:
    now = NOW.replace(hour=utc_hour, minute=30)
    assert in_quiet_hours(now, quiet, "Europe/Berlin") is inside


def test_quiet_refuses_empty_range() -> None:
    with pytest.raises(ValueError, match="same start and end"):
        parse_quiet("08:00-08:00")


def test_next_digest_local_time_and_wraps_to_tomorrow() -> None:
    # 10:30 Berlin → next is 17:30 Berlin = 16:30 UTC
    expected = NOW.replace(hour=16, minute=30)
    assert next_digest_at(NOW, ["08:00", "17:30"], "Europe/Berlin") == expected
    late = NOW.replace(hour=20)
    assert next_digest_at(late, ["08:00", "17:30"], "Europe/Berlin") == datetime(
        2026, 11, 29, 7, 0, tzinfo=UTC)
    assert next_digest_at(NOW, [], "UTC") is None


def test_next_digest_keeps_wall_clock_across_dst() -> None:
    before_switch = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # CEST, switch on Oct 25
    assert next_digest_at(before_switch, ["08:00"], "Europe/Berlin") == datetime(
        2026, 10, 25, 7, 0, tzinfo=UTC)  # 08:00 CET


def test_digest_due() -> None:
    created = NOW - timedelta(days=1)
    assert digest_due(NOW, None, ["08:00"], "Europe/Berlin", created=created)
    assert not digest_due(NOW, NOW - timedelta(minutes=5), ["08:00"], "Europe/Berlin",
                          created=created)
    assert not digest_due(NOW, None, [], "UTC", created=created)


def test_next_poll_success_and_cache_lower_bound() -> None:
    assert next_poll_at(NOW, interval_s=600) == NOW + timedelta(seconds=600)
    assert next_poll_at(NOW, interval_s=600, max_age_s=1800) == NOW + timedelta(seconds=1800)


def test_next_poll_backoff_grows_with_jitter_and_cap() -> None:
    rng = random.Random(7)
    delays = [(next_poll_at(NOW, interval_s=60, error_count=n, rng=rng) - NOW).total_seconds()
              for n in range(1, 12)]
    assert delays[0] >= 60 and 0.8 * 120 <= delays[0] <= 1.2 * 120
    assert delays[3] > delays[1]
    assert max(delays) <= MAX_BACKOFF_S * 1.2


def test_retry_after_is_a_hard_lower_bound() -> None:
    when = next_poll_at(NOW, interval_s=60, error_count=1, retry_after_s=3600)
    assert when >= NOW + timedelta(seconds=3600)
