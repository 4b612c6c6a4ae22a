"""The /news grammar: typed commands for good input, a CommandError naming the problem for bad."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core import commands as c
from bot.core import commands_admin as a
from bot.core.models import KeywordEntry, Mode, TickerEntry

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

ADMIN_GOOD = [
    ("/news watchlist create Tech", a.WatchlistCreate("tech")),
    ("/news watchlist delete tech", a.WatchlistDelete("tech")),
    ("/news watchlist show tech", a.WatchlistShow("tech")),
    ("/news WATCHLIST Show tech", a.WatchlistShow("tech")),
    ("/news watchlist add tech ticker NVDA", a.WatchlistAdd("tech", TickerEntry("NVDA"))),
    ('/news watchlist add tech ticker $nvda names=Nvidia,"Nvidia Corp" exclude="Nvidia Shield"',
     a.WatchlistAdd("tech", TickerEntry("NVDA", names=("Nvidia", "Nvidia Corp"),
                                        exclude=("Nvidia Shield",)))),
    ("/news watchlist add tech ticker SIE.DE names= bare=off",
     a.WatchlistAdd("tech", TickerEntry("SIE.DE", names=(), bare=False))),
    ("/news watchlist add tech ticker SAP extra=SAP-Konzern bare=on",
     a.WatchlistAdd("tech", TickerEntry("SAP", extra_names=("SAP-Konzern",), bare=True))),
    ('/news watchlist add tech keyword KI terms=KI,"künstliche Intelligenz" case=on',
     a.WatchlistAdd("tech", KeywordEntry("KI", terms=("KI", "künstliche Intelligenz"),
                                         case_sensitive=True))),
    ("/news watchlist add tech keyword DeepSeek",
     a.WatchlistAdd("tech", KeywordEntry("DEEPSEEK", terms=("DeepSeek",)))),
    ("/news watchlist add tech keyword AI terms=AI exclude=Adobe,AI-Act case=auto",
     a.WatchlistAdd("tech", KeywordEntry("AI", terms=("AI",), exclude=("Adobe", "AI-Act")))),
    ("/news watchlist remove tech $nvda", a.WatchlistRemove("tech", "NVDA")),
    ("/news watchlist export", a.WatchlistExport(())),
    ("/news watchlist export tech other tech", a.WatchlistExport(("tech", "other"))),
    ("/news watchlist import\nwatchlists:\n  - name: tech\n",
     a.WatchlistImport("watchlists:\n  - name: tech\n")),
    ("/news watchlist import merge\n```yaml\nwatchlists: []\n```",
     a.WatchlistImport("watchlists: []\n", merge=True)),
    ("watchlist import replace {watchlists: []}", a.WatchlistImport("{watchlists: []}\n")),
    ("/news feed add https://example.org/rss.xml", a.FeedAdd("https://example.org/rss.xml", None)),
    ("/news feed add https://example.org/rss.xml 30m",
     a.FeedAdd("https://example.org/rss.xml", 1800)),
    ("/news feed add http://127.0.0.1:8080/feed.xml 10s",
     a.FeedAdd("http://127.0.0.1:8080/feed.xml", 10)),
    ("/news feed remove https://example.org/rss.xml", a.FeedRemove("https://example.org/rss.xml")),
    ("/news feed list", a.FeedList()),
    ("/news feed status", a.FeedStatus(None)),
    ("/news feed status https://example.org/rss.xml", a.FeedStatus("https://example.org/rss.xml")),
    ("/news feed enable https://example.org/rss.xml", a.FeedEnable("https://example.org/rss.xml")),
]


@pytest.mark.parametrize(("text", "expected"), ADMIN_GOOD, ids=[g[0][:60] for g in ADMIN_GOOD])
def test_parse_admin_good(text: str, expected: c.Command) -> None:
    assert c.parse_command(text) == expected


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
    ("/news why https://exa mple.org", "Usage: /news why", {}),
    ("/news why https://" + "a" * 2100, "too long", {}),
    ("/news why https://" + "a" * 950, "An argument is too long", {"limit": "900"}),
    ("/news why https://:80/x", "not an http(s) URL", {}),
    ("/news subscribe SNOW\u200bX", "invisible control", {}),
    ("/news subscribe SNOW\x07", "invisible control", {}),
]

ADMIN_BAD = [
    ("/news watchlst create tech", "Did you mean", {"suggestion": "watchlist"}),
    ("/news feeds list", "Did you mean", {"suggestion": "feed"}),
    ("/news watchlist creat tech", "Did you mean",
     {"word": "watchlist creat", "suggestion": "watchlist create"}),
    ("/news feed stats", "Did you mean", {"suggestion": "feed status"}),
    ("/news feed frobnicate", "Choose one of", {"options": "add, remove, list, status, enable"}),
    ("/news watchlist", "Usage: /news watchlist create|", {}),
    ("/news watchlist create", "Usage: /news watchlist {sub} NAME", {"sub": "create"}),
    ("/news watchlist create tech extra", "Usage: /news watchlist {sub} NAME", {}),
    ("/news watchlist create ../etc", "not a watchlist name", {}),
    ("/news watchlist create " + "x" * 41, "not a watchlist name", {}),
    ("/news watchlist show Täch", "not a watchlist name", {}),
    ("/news watchlist add tech", "Usage: /news watchlist add", {}),
    ("/news watchlist add tech stock NVDA", "Usage: /news watchlist add", {}),
    ("/news watchlist add tech ticker <!channel>", "not a ticker symbol", {}),
    ("/news watchlist add tech ticker NVIDIACORPORATION", "not a ticker symbol", {}),
    ("/news watchlist add tech keyword ki-modell!", "not a keyword key", {}),
    ("/news watchlist add tech ticker NVDA name=Nvidia", "Did you mean", {"suggestion": "names"}),
    ("/news watchlist add tech ticker NVDA colour=red", "Options of a {kind}",
     {"kind": "ticker", "options": "names=, extra=, exclude=, bare="}),
    ("/news watchlist add tech keyword KI terms=KI case=on case=off", "given twice", {}),
    ("/news watchlist add tech keyword KI terms=", "at least one term", {}),
    ("/news watchlist add tech keyword KI terms=KI,,AI", "Empty item", {}),
    ("/news watchlist add tech ticker NVDA names=" + ",".join(f"N{i}" for i in range(21)),
     "Too many items", {}),
    ("/news watchlist add tech ticker NVDA names=" + "N" * 101, "is too long", {}),
    ("/news watchlist add tech keyword KI case=maybe", "takes on, off or auto", {"name": "case"}),
    ("/news watchlist add tech ticker NVDA bare=1", "takes on, off or auto", {"name": "bare"}),
    ("/news watchlist remove tech", "Usage: /news watchlist remove", {}),
    ("/news watchlist remove tech a/b", "not a ticker symbol or keyword key", {}),
    ("/news watchlist import", "Usage: /news watchlist import", {}),
    ("/news watchlist import merge", "Usage: /news watchlist import", {}),
    ("/news watchlist import\n```yaml\n```", "Usage: /news watchlist import", {}),
    ("/news watchlist import\nwatchlists: [\u202e]", "invisible control", {}),
    ("/news watchlist import\n" + "#" * 20_001, "too long", {"limit": "20000"}),
    ("/news watchlist export ../x", "not a watchlist name", {}),
    ("/news feed", "Usage: /news feed add|", {}),
    ("/news feed add", "Usage: /news feed add URL", {}),
    ("/news feed add ftp://example.org/rss", "not an http(s) URL", {}),
    ("/news feed add file:///etc/passwd", "not an http(s) URL", {}),
    ("/news feed add example.org/rss", "not an http(s) URL", {}),
    ("/news feed add https://example.org/rss 5s", "not an interval", {"value": "5s"}),
    ("/news feed add https://example.org/rss 10 minutes", "Usage: /news feed add URL", {}),
    ("/news feed add https://example.org/<script>", "not an http(s) URL", {}),
    ("/news feed add https://" + "a" * 950, "An argument is too long", {}),
    ("/news feed remove", "Usage: /news feed {sub} URL", {"sub": "remove"}),
    ("/news feed enable a b", "Usage: /news feed {sub} URL", {"sub": "enable"}),
    ("/news feed list all", "Usage: /news feed list", {}),
    ("/news feed status a b", "Usage: /news feed status", {}),
]


@pytest.mark.parametrize(("text", "fragment", "params"), ADMIN_BAD,
                         ids=[b[0][:50] for b in ADMIN_BAD])
def test_parse_admin_bad(text: str, fragment: str, params: dict[str, str]) -> None:
    with pytest.raises(c.CommandError) as info:
        c.parse_command(text)
    assert fragment in info.value.msgid
    for name, value in params.items():
        assert info.value.params[name] == value


@pytest.mark.parametrize(("text", "head"), [
    ("/news feed add x", "feed"), ("news  Watchlist", "watchlist"), ("/news", ""),
    ("", ""), ('/news "feed" add', "feed"), ("subscribe SNOW", "subscribe"),
])
def test_subcommand_of_reads_only_the_first_word(text: str, head: str) -> None:
    assert c.subcommand_of(text) == head


@pytest.mark.parametrize(("text", "fragment", "params"), BAD, ids=[b[0][:40] for b in BAD])
def test_parse_bad(text: str, fragment: str, params: dict[str, str]) -> None:
    with pytest.raises(c.CommandError) as info:
        c.parse_command(text)
    assert fragment in info.value.msgid
    for name, value in params.items():
        assert info.value.params[name] == value


@pytest.mark.parametrize(
    ("text", "slow"),
    [
        ("/news summary SNOW 7d", True),
        ("/news why https://example.org/a", True),
        ("/news feed add https://example.org/rss", True),
        ("/news watchlist import\nwatchlists: []", True),
        ("/news subscribe SNOW", False),
        ("/news list", False),
        ("/news subscirbe SNOW", False),
    ],
    ids=["summary", "why", "feed-add", "import", "subscribe", "list", "malformed"],
)
def test_is_slow(text: str, slow: bool) -> None:
    from bot.core.commands import is_slow

    assert is_slow(text) is slow
