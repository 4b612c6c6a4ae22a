"""The `/news …` grammar: text in, a typed `Command` out, or a `CommandError` saying what was wrong.

One grammar for every platform (DESIGN §3). Errors carry a catalog msgid and parameters so
the reply is written in the channel's language.
"""

from __future__ import annotations

import difflib
import re
import shlex
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from bot.core.models import Lang, Mode
from bot.core.routing import WATCHLIST_PREFIX, normalize_target
from bot.core.schedule import check_timezone, parse_clock, parse_quiet

MAX_COMMAND_CHARS = 1000
MAX_TARGETS = 20
MAX_TARGET_CHARS = 40
MAX_SCHEDULE_TIMES = 6
TARGET = re.compile(r"^\$?[\wÄÖÜäöüß][\w.\-ÄÖÜäöüß ]{0,39}$")
WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7)}

SUBCOMMANDS = ("subscribe", "unsubscribe", "list", "summary", "settings", "why", "help")
SETTINGS = ("lang", "mode", "schedule", "quiet", "timezone")


class CommandError(Exception):
    """A user mistake. `msgid` is an i18n catalog id; `params` fill its placeholders."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid.format(**params))
        self.msgid = msgid
        self.params = params


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


Command = (Subscribe | Unsubscribe | ListSubscriptions | Summary | SetLang | SetMode
           | SetSchedule | SetQuiet | SetTimezone | Why | Help)


def _check_text(text: str) -> None:
    if len(text) > MAX_COMMAND_CHARS:
        raise CommandError("The command is too long (at most {limit} characters).",
                           limit=str(MAX_COMMAND_CHARS))
    for ch in text:
        # control characters and bidi overrides can hide what a command really says
        if unicodedata.category(ch) in {"Cc", "Cf"} and ch not in "\t\n":
            raise CommandError("The command contains invisible control characters.")


def _suggest(word: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)
    return close[0] if close else ""


def _unknown(word: str, options: tuple[str, ...]) -> CommandError:
    suggestion = _suggest(word, options)
    if suggestion:
        return CommandError("Unknown command “{word}”. Did you mean “{suggestion}”?",
                            word=word[:40], suggestion=suggestion)
    return CommandError("Unknown command “{word}”. Try “/news help”.", word=word[:40])


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
        if word.lower().startswith(WATCHLIST_PREFIX) and not re.match(
            r"^[a-z0-9][a-z0-9_\-]{0,39}$", word[len(WATCHLIST_PREFIX):].lower()
        ):
            raise CommandError("“{target}” is not a symbol, keyword or watchlist:NAME.",
                               target=word[:MAX_TARGET_CHARS])
        targets.append(normalize_target(word))
    return tuple(dict.fromkeys(targets))


def parse_command(text: str) -> Command:
    """Parse `/news …` (the leading `/news` is optional)."""
    _check_text(text)
    try:
        words = shlex.split(text)
    except ValueError:
        raise CommandError("Unbalanced quotes in the command.") from None
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
            if len(args) != 1 or not re.match(r"^https?://\S+$", args[0]) or len(args[0]) > 2048:
                raise CommandError("Usage: /news why <url of a stored article>")
            return Why(args[0])
        case "settings":
            return _parse_settings(args)
    raise _unknown(head, SUBCOMMANDS)


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
        suggestion = _suggest(name, SETTINGS)
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
