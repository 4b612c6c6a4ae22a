"""The /news grammar: typed commands for good input, a CommandError naming the problem for bad."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import commands as c
from bot.core.models import Mode

GOOD = [
    ("/news subscribe SNOW DEEPSEEK watchlist:tech", c.Subscribe(("SNOW", "DEEPSEEK",
                                                                   "watchlist:tech"))),
    ("/news subscribe $snow snow", c.Subscribe(("SNOW",))),
    ("/news subscribe Watchlist:Tech", c.Subscribe(("watchlist:tech",))),
    ('/news subscribe "künstliche Intelligenz"', c.Subscribe(("KÜNSTLICHE INTELLIGENZ",))),
    ("/news unsubscribe SNOW", c.Unsubscribe(("SNOW",))),
    ("/news list", c.ListSubscriptions()),
    ("/news", c.Help()),
    ("/news help", c.Help()),
    ("subscribe NVDA", c.Subscribe(("NVDA",))),
    ("/news summary", c.Summary(None, timedelta(hours=24))),
    ("/news summary SNOW 7d", c.Summary("SNOW", timedelta(days=7))),
    ("/news summary 7d", c.Summary(None, timedelta(days=7))),
    ("/news settings lang de", c.SetLang("de")),
    ("/news settings mode digest", c.SetMode(Mode.DIGEST)),
    ("/news settings schedule 17:30,08:00 Europe/Berlin",
     c.SetSchedule(("08:00", "17:30"), "Europe/Berlin")),
    ("/news settings schedule 08:00", c.SetSchedule(("08:00",), None)),
    ("/news settings quiet 22:00-07:00", c.SetQuiet("22:00-07:00")),
    ("/news settings quiet off", c.SetQuiet(None)),
    ("/news settings timezone America/New_York", c.SetTimezone("America/New_York")),
    ("/news why https://example.org/a", c.Why("https://example.org/a")),
]


@pytest.mark.parametrize(("text", "expected"), GOOD, ids=[g[0] for g in GOOD])
def test_parse_good(text: str, expected: c.Command) -> None:
    assert c.parse_command(text) == expected


BAD = [
    ("/news subscirbe SNOW", "Did you mean “{suggestion}”", {"suggestion": "subscribe"}),
    ("/news frobnicate", "Try “/news help”", {}),
    ("/news subscribe", "at least one", {}),
    ("/news subscribe " + " ".join(f"T{i}" for i in range(21)), "Too many", {}),
    ("/news subscribe " + "A" * 41, "is not a symbol", {}),
    ("/news subscribe <!channel>", "is not a symbol", {}),
    ("/news subscribe watchlist:../etc", "is not a symbol", {}),
    ("/news subscribe SNOW\u202eevil", "invisible control", {}),
    ("/news subscribe " + "x" * 1001, "too long", {}),
    ('/news subscribe "SNOW', "Unbalanced", {}),
    ("/news settings lang fr", "lang de|en", {}),
    ("/news settings mode loud", "instant|digest", {}),
    ("/news settings timezone Mars/Base", "Unknown time zone", {}),
    ("/news settings schedule 25:00", "not a time of day", {}),
    ("/news settings schedule 1:00,2:00,3:00,4:00,5:00,6:00,7:00", "between 1 and", {}),
    ("/news settings quiet 22:00", "not a time range", {}),
    (
        "/news settings colour red",
        "Choose one of",
        {"options": "lang, mode, schedule, quiet, timezone"},
    ),
    ("/news settings langs de", "Did you mean", {"suggestion": "lang"}),
    ("/news why not-a-url", "Usage: /news why", {}),
    ("/news summary SNOW NVDA", "Usage: /news summary", {}),
]


@pytest.mark.parametrize(("text", "fragment", "params"), BAD, ids=[b[0][:40] for b in BAD])
def test_parse_bad(text: str, fragment: str, params: dict[str, str]) -> None:
    with pytest.raises(c.CommandError) as info:
        c.parse_command(text)
    assert fragment in info.value.msgid
    for name, value in params.items():
        assert info.value.params[name] == value
