"""The `/news …` grammar: text in, a typed `Command` out, or a `CommandError` saying what was wrong.

One grammar for every platform (DESIGN §3). Errors carry a catalog msgid and parameters so
the reply is written in the channel's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.core.command_args import (
    MAX_COMMAND_CHARS,
    CommandError,
    check_text,
    check_url,
    split_words,
    suggest,
    unknown_command,
)
from bot.core.commands_admin import AdminCommand, parse_feed, parse_import, parse_watchlist
from bot.core.models import WATCHLIST_NAME_PATTERN, Lang, Mode
from bot.core.routing import WATCHLIST_PREFIX, normalize_target
from bot.core.schedule import check_timezone, parse_clock, parse_quiet

__all__ = ["MAX_COMMAND_CHARS", "Command", "CommandError", "parse_command", "subcommand_of"]

MAX_TARGETS = 20
MAX_TARGET_CHARS = 40
MAX_SCHEDULE_TIMES = 6
TARGET = re.compile(r"^\$?[\wÄÖÜäöüß][\w.\-ÄÖÜäöüß ]{0,39}$")
_WATCHLIST_NAME = re.compile(WATCHLIST_NAME_PATTERN)
WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}

SUBCOMMANDS = ("subscribe", "unsubscribe", "list", "summary", "settings", "why", "help",
               "watchlist", "feed")
SETTINGS = ("lang", "mode", "schedule", "quiet", "timezone")


@dataclass(frozen=True, slots=True)
class Subscribe:
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ListSubscriptions:
    pass


@dataclass(frozen=True, slots=True)
class Summary:
    key: str | None
    window: timedelta


@dataclass(frozen=True, slots=True)
class SetLang:
    lang: Lang


@dataclass(frozen=True, slots=True)
class SetMode:
    mode: Mode


@dataclass(frozen=True, slots=True)
class SetSchedule:
    times: tuple[str, ...]
    timezone: str | None


@dataclass(frozen=True, slots=True)
class SetQuiet:
    quiet: str | None  # None → quiet hours off


@dataclass(frozen=True, slots=True)
class SetTimezone:
    timezone: str


@dataclass(frozen=True, slots=True)
class Why:
    url: str


@dataclass(frozen=True, slots=True)
class Help:
    pass


MemberCommand = (Subscribe | Unsubscribe | ListSubscriptions | Summary | SetLang | SetMode
                 | SetSchedule | SetQuiet | SetTimezone | Why | Help)
Command = MemberCommand | AdminCommand


def parse_targets(words: list[str]) -> tuple[str, ...]:
    if not words:
        raise CommandError("Name at least one symbol, keyword or watchlist:NAME.")
    if len(words) > MAX_TARGETS:
        raise CommandError("Too many targets (at most {limit} at once).", limit=str(MAX_TARGETS))
    targets = []
    for word in words:
        if len(word) > MAX_TARGET_CHARS or not (
            TARGET.match(word) or word.lower().startswith(WATCHLIST_PREFIX)
        ):
            raise CommandError("“{target}” is not a symbol, keyword or watchlist:NAME.",
                               target=word[:MAX_TARGET_CHARS])
        if word.lower().startswith(WATCHLIST_PREFIX) and not _WATCHLIST_NAME.match(
            word[len(WATCHLIST_PREFIX):].lower()
        ):
            raise CommandError("“{target}” is not a symbol, keyword or watchlist:NAME.",
                               target=word[:MAX_TARGET_CHARS])
        targets.append(normalize_target(word))
    return tuple(dict.fromkeys(targets))


def subcommand_of(text: str) -> str:
    """The first word after `/news`, lower-cased ("" for none), read without parsing the rest:
    enough to decide permissions before any argument is looked at."""
    words = text.split()
    if words and words[0].lower() in {"/news", "news"}:
        words = words[1:]
    return words[0].lower().strip("\"'") if words else ""


def parse_command(text: str) -> Command:
    """Parse `/news …` (the leading `/news` is optional)."""
    imported = parse_import(text)
    if imported is not None:
        return imported
    check_text(text)
    words = split_words(text)
    if words and words[0].lower() in {"/news", "news"}:
        words = words[1:]
    if not words:
        return Help()
    head, args = words[0].lower(), words[1:]
    match head:
        case "subscribe" | "sub":
            return Subscribe(parse_targets(args))
        case "unsubscribe" | "unsub":
            return Unsubscribe(parse_targets(args))
        case "list":
            return ListSubscriptions()
        case "help":
            return Help()
        case "summary":
            return _parse_summary(args)
        case "why":
            if len(args) != 1 or not re.match(r"^https?://\S+$", args[0]):
                raise CommandError("Usage: /news why <url of a stored article>")
            return Why(check_url(args[0]))
        case "settings":
            return _parse_settings(args)
        case "watchlist":
            return parse_watchlist(args)
        case "feed":
            return parse_feed(args)
    raise unknown_command(head, SUBCOMMANDS)


def _parse_summary(args: list[str]) -> Summary:
    key: str | None = None
    window = WINDOWS["24h"]
    for arg in args:
        if arg.lower() in WINDOWS:
            window = WINDOWS[arg.lower()]
        elif key is None:
            key = parse_targets([arg])[0]
        else:
            raise CommandError("Usage: /news summary [SYMBOL|keyword] [24h|7d]")
    return Summary(key, window)


def _parse_settings(args: list[str]) -> Command:
    if not args:
        raise CommandError("Usage: /news settings lang|mode|schedule|quiet|timezone …")
    name, rest = args[0].lower(), args[1:]
    if name not in SETTINGS:
        suggestion = suggest(name, SETTINGS)
        if suggestion:
            raise CommandError("Unknown setting “{word}”. Did you mean “{suggestion}”?",
                               word=name[:40], suggestion=suggestion)
        raise CommandError("Unknown setting “{word}”. Choose one of: {options}.",
                           word=name[:40], options=", ".join(SETTINGS))
    value = rest[0] if len(rest) == 1 else None
    if name == "lang":
        if value not in ("de", "en"):
            raise CommandError("Usage: /news settings lang de|en")
        return SetLang("de" if value == "de" else "en")
    if name == "mode":
        if value not in ("instant", "digest"):
            raise CommandError("Usage: /news settings mode instant|digest")
        return SetMode(Mode(value))
    if name == "timezone":
        if value is None:
            raise CommandError("Usage: /news settings timezone Europe/Berlin")
        return SetTimezone(_timezone(value))
    if name == "quiet":
        if value is None:
            raise CommandError("Usage: /news settings quiet 22:00-07:00|off")
        if value.lower() == "off":
            return SetQuiet(None)
        try:
            parse_quiet(value)
        except ValueError:
            raise CommandError("“{value}” is not a time range like 22:00-07:00.",
                               value=value[:40]) from None
        return SetQuiet(value)
    # schedule
    if not rest or len(rest) > 2:
        raise CommandError("Usage: /news settings schedule 08:00,17:30 [Europe/Berlin]")
    times = tuple(t.strip() for t in rest[0].split(",") if t.strip())
    if not times or len(times) > MAX_SCHEDULE_TIMES:
        raise CommandError("Give between 1 and {limit} times.", limit=str(MAX_SCHEDULE_TIMES))
    for t in times:
        try:
            parse_clock(t)
        except ValueError:
            raise CommandError("“{value}” is not a time of day (HH:MM).", value=t[:40]) from None
    tz = _timezone(rest[1]) if len(rest) == 2 else None
    return SetSchedule(tuple(sorted(set(times))), tz)


def _timezone(value: str) -> str:
    try:
        return check_timezone(value)
    except ValueError:
        raise CommandError("Unknown time zone “{value}” (use a name like Europe/Berlin).",
                           value=value[:64]) from None


# Commands whose answer may take longer than a platform's acknowledgement deadline (Slack and
# Discord: 3 s): building a digest from stored entries, fetching a feed, matching an article,
# applying a whole watchlist file. An adapter acknowledges these first ("deferred") and
# sends the reply as a follow-up.
_SLOW = (Summary, Why)


def is_slow(text: str) -> bool:
    """Whether the reply to `text` should be deferred; malformed text answers at once."""
    from bot.core.commands_admin import FeedAdd, WatchlistImport

    try:
        command = parse_command(text)
    except CommandError:
        return False
    return isinstance(command, (*_SLOW, FeedAdd, WatchlistImport))
