"""Catalog lookups, plural forms and Babel formatting (the catalogs themselves: test_catalogs)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.i18n import (
    format_date,
    format_datetime_short,
    format_move,
    format_time,
    normalize_lang,
    t,
    tn,
)

# 16:30 UTC on a winter day = 17:30 in Berlin (CET, UTC+1).
WINTER = datetime(2026, 11, 28, 16, 30, tzinfo=UTC)
SUMMER = datetime(2026, 7, 3, 15, 30, tzinfo=UTC)  # 17:30 CEST (UTC+2)


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("de", "de"),
        ("de-DE", "de"),
        ("de_AT", "de"),
        ("DE-ch", "de"),
        (" de ", "de"),
        ("de_DE.UTF-8", "de"),
        ("en-US", "en"),
        ("fr", "en"),
        ("deu", "en"),
        ("", "en"),
        (None, "en"),
    ],
    ids=lambda v: repr(v),
)
def test_normalize_lang(tag: str | None, expected: str) -> None:
    assert normalize_lang(tag) == expected


@pytest.mark.parametrize(
    ("lang", "msgid", "params", "expected"),
    [
        ("de", "News digest · {date}", {"date": "X"}, "Nachrichten-Überblick · X"),
        ("en", "News digest · {date}", {"date": "X"}, "News digest · X"),
        ("de-DE", "News alert · {date}", {"date": "X"}, "Neue Meldungen · X"),
        ("fr", "News alert · {date}", {"date": "X"}, "News alert · X"),
        ("de", "No new stories.", {}, "Keine neuen Meldungen."),
        ("de", "Not in any catalog: {what}", {"what": "x"}, "Not in any catalog: x"),
        ("en", "Not in any catalog", {}, "Not in any catalog"),
    ],
    ids=["de", "en", "de-region", "unknown-lang", "no-params", "missing-params", "missing"],
)
def test_t(lang: str, msgid: str, params: dict[str, object], expected: str) -> None:
    assert t(lang, msgid, **params) == expected


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("de", 0, "0 weitere Meldungen"),
        ("de", 1, "1 weitere Meldung"),
        ("de", 12, "12 weitere Meldungen"),
        ("en", 0, "0 more stories"),
        ("en", 1, "1 more story"),
        ("en", 2, "2 more stories"),
        ("xx", 1, "1 more story"),
    ],
    ids=["de-0", "de-1", "de-12", "en-0", "en-1", "en-2", "unknown-lang"],
)
def test_tn(lang: str, n: int, expected: str) -> None:
    assert tn(lang, "{n} more story", "{n} more stories", n) == expected


def test_tn_missing_msgid_falls_back_to_english_forms() -> None:
    assert tn("de", "{n} cat of {who}", "{n} cats of {who}", 1, who="Ada") == "1 cat of Ada"
    assert tn("de", "{n} cat of {who}", "{n} cats of {who}", 3, who="Ada") == "3 cats of Ada"


@pytest.mark.parametrize(
    ("dt", "lang", "tz", "date", "time", "short"),
    [
        (WINTER, "de", "Europe/Berlin", "28. November 2026", "17:30", "28.11., 17:30"),
        (WINTER, "en", "Europe/Berlin", "Nov 28, 2026", "5:30 PM", "Nov 28, 5:30 PM"),
        (SUMMER, "de", "Europe/Berlin", "3. Juli 2026", "17:30", "3.7., 17:30"),
        (SUMMER, "en", "America/New_York", "Jul 3, 2026", "11:30 AM", "Jul 3, 11:30 AM"),
        (
            datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
            "de",
            "Europe/Berlin",
            "1. Januar 2027",
            "00:30",
            "1.1., 00:30",
        ),
        (datetime(2026, 11, 28, 16, 30), "en", "UTC", "Nov 28, 2026", "4:30 PM", "Nov 28, 4:30 PM"),
    ],
    ids=["de-winter", "en-winter", "de-summer-dst", "en-new-york", "de-next-year", "naive-is-utc"],
)
def test_dates_and_times(
    dt: datetime, lang: str, tz: str, date: str, time: str, short: str
) -> None:
    assert format_date(dt, lang=lang, tz=tz) == date
    assert format_time(dt, lang=lang, tz=tz) == time
    assert format_datetime_short(dt, lang=lang, tz=tz) == short


@pytest.mark.parametrize(
    ("pct", "de", "en"),
    [
        (-3.37, "-3,37 %", "-3.37%"),
        (1.2, "+1,20 %", "+1.20%"),
        (2.1, "+2,10 %", "+2.10%"),
        (-0.5, "-0,50 %", "-0.50%"),
        (0.0, "±0,00 %", "±0.00%"),
        (-0.001, "±0,00 %", "±0.00%"),
        (12.349, "+12,35 %", "+12.35%"),
        (1234.5, "+1.234,50 %", "+1,234.50%"),
    ],
    ids=[
        "fall",
        "rise",
        "one-decimal",
        "small-fall",
        "zero",
        "rounds-to-zero",
        "rounding",
        "thousands",
    ],
)
def test_format_move(pct: float, de: str, en: str) -> None:
    assert format_move(pct, lang="de") == de
    assert format_move(pct, lang="en") == en


def test_formatted_values_use_plain_spaces() -> None:
    values = [format_move(-3.37, lang="de"), format_time(WINTER, lang="en", tz="UTC")]
    assert all("\u00a0" not in v and "\u202f" not in v for v in values)
