"""The admin half of the `/news …` grammar: `watchlist …` and `feed …`.

    /news watchlist create NAME
    /news watchlist delete NAME
    /news watchlist show NAME
    /news watchlist add NAME ticker SYMBOL [names=A,"B C"] [extra=…] [exclude=…] [bare=on|off|auto]
    /news watchlist add NAME keyword KEY [terms=A,"b c"] [exclude=…] [case=on|off|auto]
    /news watchlist remove NAME KEY
    /news watchlist export [NAME …]
    /news watchlist import [merge|replace]   followed by the YAML of a watchlist file
    /news feed add URL [INTERVAL]      (INTERVAL like 30s, 10m, 1h; default 10m)
    /news feed remove URL
    /news feed list
    /news feed status [URL]
    /news feed enable URL

Options of `watchlist add` are `name=value` words; a value is a comma-separated list whose
items may be quoted (`names=Nvidia,"Nvidia Corp"`), so an item cannot contain a comma.
`names=` with nothing after it means "the symbol forms only" (`names: []` in the file); a
ticker without `names=` gets the reference company names. A keyword without `terms=` has the
key as it was typed for its one term (`keyword DeepSeek` → key DEEPSEEK, term "DeepSeek").
`add` replaces an entry with the same key. Regex terms are for the watchlist file (import).
Who may run these is `bot.core.permissions`; this module only reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.command_args import (
    MAX_IMPORT_CHARS,
    CommandError,
    check_text,
    check_url,
    split_list,
    suggest,
    unknown_subcommand,
)
from bot.core.models import (
    KEYWORD_KEY_PATTERN,
    SYMBOL_PATTERN,
    WATCHLIST_NAME_PATTERN,
    KeywordEntry,
    TickerEntry,
)
from bot.core.schedule import parse_interval

WATCHLIST_SUBCOMMANDS = ("create", "delete", "show", "add", "remove", "import", "export")
FEED_SUBCOMMANDS = ("add", "remove", "list", "status", "enable")
TICKER_OPTIONS = ("names", "extra", "exclude", "bare")
KEYWORD_OPTIONS = ("terms", "exclude", "case")
SWITCH = {"on": True, "true": True, "off": False, "false": False, "auto": None}

_NAME = re.compile(WATCHLIST_NAME_PATTERN)
_SYMBOL = re.compile(SYMBOL_PATTERN)
_KEY = re.compile(KEYWORD_KEY_PATTERN)
# the raw text of an import: the YAML may hold any quoting, so it is not split into words
_IMPORT = re.compile(
    r"^\s*(?:/?news\s+)?watchlist\s+import(?=\s|$)(?:[ \t]+(merge|replace)(?=\s|$))?(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_FENCE = re.compile(r"^```[a-zA-Z]*\s*\n?(.*?)\n?```\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class WatchlistCreate:
    name: str


@dataclass(frozen=True, slots=True)
class WatchlistDelete:
    name: str


@dataclass(frozen=True, slots=True)
class WatchlistShow:
    name: str


@dataclass(frozen=True, slots=True)
class WatchlistAdd:
    name: str
    entry: TickerEntry | KeywordEntry


@dataclass(frozen=True, slots=True)
class WatchlistRemove:
    name: str
    key: str


@dataclass(frozen=True, slots=True)
class WatchlistExport:
    names: tuple[str, ...]  # () → every watchlist


@dataclass(frozen=True, slots=True)
class WatchlistImport:
    yaml: str  # validated by the service against the watchlist file schema
    merge: bool = False


@dataclass(frozen=True, slots=True)
class FeedAdd:
    url: str
    interval_s: int | None  # None → the default for a new feed, unchanged for a known one


@dataclass(frozen=True, slots=True)
class FeedRemove:
    url: str


@dataclass(frozen=True, slots=True)
class FeedList:
    pass


@dataclass(frozen=True, slots=True)
class FeedStatus:
    url: str | None  # None → every feed


@dataclass(frozen=True, slots=True)
class FeedEnable:
    url: str


AdminCommand = (WatchlistCreate | WatchlistDelete | WatchlistShow | WatchlistAdd
                | WatchlistRemove | WatchlistExport | WatchlistImport | FeedAdd | FeedRemove
                | FeedList | FeedStatus | FeedEnable)
ADMIN_COMMANDS = (WatchlistCreate, WatchlistDelete, WatchlistShow, WatchlistAdd,
                  WatchlistRemove, WatchlistExport, WatchlistImport, FeedAdd, FeedRemove,
                  FeedList, FeedStatus, FeedEnable)


def parse_import(text: str) -> WatchlistImport | None:
    """`/news watchlist import [merge|replace]` + YAML, or None when `text` is not an import.
    Read before the text is split into words; a ``` code fence around the YAML is dropped."""
    found = _IMPORT.match(text)
    if found is None:
        return None
    check_text(text, limit=MAX_IMPORT_CHARS)
    body = found.group(2).strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    if not body:
        raise CommandError("Usage: /news watchlist import [merge] followed by the YAML of a "
                           "watchlist file")
    return WatchlistImport(body + "\n", merge=(found.group(1) or "").lower() == "merge")


def watchlist_name(raw: str) -> str:
    name = raw.lower()
    if not _NAME.match(name):
        raise CommandError("“{value}” is not a watchlist name (a-z, 0-9, - and _, up to 40).",
                           value=raw[:40])
    return name


def parse_watchlist(args: list[str]) -> AdminCommand:
    if not args:
        raise CommandError("Usage: /news watchlist create|delete|show|add|remove|import|export …")
    sub, rest = args[0].lower(), args[1:]
    if sub not in WATCHLIST_SUBCOMMANDS:
        raise unknown_subcommand("watchlist", sub, WATCHLIST_SUBCOMMANDS)
    if sub == "export":
        return WatchlistExport(tuple(dict.fromkeys(watchlist_name(n) for n in rest)))
    if sub == "import":  # only reached without YAML: parse_import takes the real ones
        raise CommandError("Usage: /news watchlist import [merge] followed by the YAML of a "
                           "watchlist file")
    if not rest:
        raise CommandError("Usage: /news watchlist {sub} NAME …", sub=sub)
    name = watchlist_name(rest[0])
    if sub in ("create", "delete", "show"):
        if len(rest) != 1:
            raise CommandError("Usage: /news watchlist {sub} NAME", sub=sub)
        if sub == "create":
            return WatchlistCreate(name)
        return WatchlistDelete(name) if sub == "delete" else WatchlistShow(name)
    if sub == "remove":
        if len(rest) != 2:
            raise CommandError("Usage: /news watchlist remove NAME KEY")
        return WatchlistRemove(name, entry_key(rest[1]))
    return WatchlistAdd(name, parse_entry(rest[1:]))


def entry_key(raw: str) -> str:
    key = raw.lstrip("$")
    if not (_SYMBOL.match(key) or _KEY.match(key)):
        raise CommandError("“{value}” is not a ticker symbol or keyword key.", value=raw[:40])
    return key.upper()


def parse_entry(args: list[str]) -> TickerEntry | KeywordEntry:
    """`ticker SYMBOL opt=…` or `keyword KEY opt=…` (see the module docstring)."""
    if len(args) < 2 or args[0].lower() not in ("ticker", "keyword"):
        raise CommandError("Usage: /news watchlist add NAME ticker SYMBOL [names=…] "
                           "[exclude=…] | keyword KEY [terms=…] [case=on|off]")
    kind, raw_key = args[0].lower(), args[1]
    options = _options(args[2:], TICKER_OPTIONS if kind == "ticker" else KEYWORD_OPTIONS, kind)
    exclude = split_list(options.get("exclude", ""))
    if kind == "ticker":
        symbol = raw_key.lstrip("$")
        if not _SYMBOL.match(symbol):
            raise CommandError("“{value}” is not a ticker symbol.", value=raw_key[:40])
        names = split_list(options["names"]) if "names" in options else None
        return TickerEntry(symbol=symbol.upper(), names=names, exclude=exclude,
                           bare=_switch(options, "bare"),
                           extra_names=split_list(options.get("extra", "")))
    if not _KEY.match(raw_key):
        raise CommandError("“{value}” is not a keyword key (letters, digits, - and _, up to 40).",
                           value=raw_key[:40])
    terms = split_list(options["terms"]) if "terms" in options else (raw_key,)
    if not terms:
        raise CommandError("A keyword needs at least one term.")
    return KeywordEntry(key=raw_key.upper(), terms=terms, exclude=exclude,
                        case_sensitive=_switch(options, "case"))


def _options(words: list[str], allowed: tuple[str, ...], kind: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for word in words:
        name, sep, value = word.partition("=")
        name = name.lower()
        if not sep or name not in allowed:
            close = suggest(name, allowed)
            if close:
                raise CommandError("Unknown option “{word}”. Did you mean “{suggestion}=”?",
                                   word=word[:40], suggestion=close)
            raise CommandError("Unknown option “{word}”. Options of a {kind}: {options}.",
                               word=word[:40], kind=kind,
                               options=", ".join(f"{o}=" for o in allowed))
        if name in options:
            raise CommandError("The option “{name}=” is given twice.", name=name)
        options[name] = value
    return options


def _switch(options: dict[str, str], name: str) -> bool | None:
    value = options.get(name, "auto").lower()
    if value not in SWITCH:
        raise CommandError("“{name}=” takes on, off or auto.", name=name)
    return SWITCH[value]


def parse_feed(args: list[str]) -> AdminCommand:
    if not args:
        raise CommandError("Usage: /news feed add|remove|list|status|enable …")
    sub, rest = args[0].lower(), args[1:]
    if sub not in FEED_SUBCOMMANDS:
        raise unknown_subcommand("feed", sub, FEED_SUBCOMMANDS)
    if sub == "list":
        if rest:
            raise CommandError("Usage: /news feed list")
        return FeedList()
    if sub == "status":
        if len(rest) > 1:
            raise CommandError("Usage: /news feed status [URL]")
        return FeedStatus(check_url(rest[0]) if rest else None)
    if sub == "add":
        if not rest or len(rest) > 2:
            raise CommandError("Usage: /news feed add URL [interval, e.g. 10m]")
        interval: int | None = None
        if len(rest) == 2:
            try:
                interval = parse_interval(rest[1])
            except ValueError:
                raise CommandError("“{value}” is not an interval like 30s, 10m or 1h "
                                   "(at least 10s).", value=rest[1][:40]) from None
        return FeedAdd(check_url(rest[0]), interval)
    if len(rest) != 1:
        raise CommandError("Usage: /news feed {sub} URL", sub=sub)
    url = check_url(rest[0])
    return FeedRemove(url) if sub == "remove" else FeedEnable(url)
