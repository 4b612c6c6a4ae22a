"""What every `/news …` argument must satisfy, and the error a user sees when it does not.

Shared by the member grammar (`commands`) and the admin grammar (`commands_admin`). Errors
carry a catalog msgid and parameters, so the reply is written in the channel's language.
"""

from __future__ import annotations

import difflib
import re
import shlex
import unicodedata
from urllib.parse import urlsplit

MAX_COMMAND_CHARS = 1000
MAX_IMPORT_CHARS = 20_000  # `/news watchlist import` carries a whole YAML file
MAX_ARG_CHARS = 900  # no single word may be longer (the longest legal one is a URL)
MAX_URL_CHARS = MAX_ARG_CHARS
MAX_LIST_ITEMS = 20  # names=, terms=, exclude= of one watchlist entry
MAX_ITEM_CHARS = 100  # one name or term

URL = re.compile(r"^https?://[^\s<>\"'`{}|\\^]+$", re.IGNORECASE)


class CommandError(Exception):
    """A user mistake. `msgid` is an i18n catalog id; `params` fill its placeholders."""

    def __init__(self, msgid: str, **params: str) -> None:
        super().__init__(msgid.format(**params))
        self.msgid = msgid
        self.params = params


def check_text(text: str, *, limit: int = MAX_COMMAND_CHARS) -> None:
    """The whole command: bounded, and free of characters that hide what it says."""
    if len(text) > limit:
        raise CommandError("The command is too long (at most {limit} characters).",
                           limit=str(limit))
    for ch in text:
        # control characters and bidi overrides can hide what a command really says
        if unicodedata.category(ch) in {"Cc", "Cf"} and ch not in "\t\n":
            raise CommandError("The command contains invisible control characters.")


def split_words(text: str) -> list[str]:
    """Shell-like words (quotes group), each within `MAX_ARG_CHARS`."""
    try:
        words = shlex.split(text)
    except ValueError:
        raise CommandError("Unbalanced quotes in the command.") from None
    for word in words:
        if len(word) > MAX_ARG_CHARS:
            raise CommandError("An argument is too long (at most {limit} characters).",
                               limit=str(MAX_ARG_CHARS))
    return words


def suggest(word: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)
    return close[0] if close else ""


def unknown_command(word: str, options: tuple[str, ...]) -> CommandError:
    suggestion = suggest(word, options)
    if suggestion:
        return CommandError("Unknown command “{word}”. Did you mean “{suggestion}”?",
                            word=word[:40], suggestion=suggestion)
    return CommandError("Unknown command “{word}”. Try “/news help”.", word=word[:40])


def unknown_subcommand(group: str, word: str, options: tuple[str, ...]) -> CommandError:
    """A wrong word after `watchlist`/`feed`: the closest one, or the list of valid ones."""
    suggestion = suggest(word, options)
    if suggestion:
        return CommandError("Unknown command “{word}”. Did you mean “{suggestion}”?",
                            word=f"{group} {word[:40]}", suggestion=f"{group} {suggestion}")
    return CommandError("Unknown command “{word}”. Choose one of: {options}.",
                        word=f"{group} {word[:40]}", options=", ".join(options))


def check_url(raw: str) -> str:
    """An http(s) URL with a host; the network guard decides later whether it may be fetched."""
    try:
        host = urlsplit(raw).hostname
    except ValueError:
        host = None
    if len(raw) > MAX_URL_CHARS or not URL.match(raw) or not host:
        raise CommandError("“{value}” is not an http(s) URL.", value=raw[:80])
    return raw


def split_list(value: str) -> tuple[str, ...]:
    """`Nvidia,Nvidia Corp` → ("Nvidia", "Nvidia Corp"): comma-separated, quotes already
    removed by `split_words`, so `names=Nvidia,"Nvidia Corp"` works; empty → ()."""
    if not value.strip():
        return ()
    items = tuple(item.strip() for item in value.split(","))
    if any(not item for item in items):
        raise CommandError("Empty item in the list “{value}”.", value=value[:80])
    if len(items) > MAX_LIST_ITEMS:
        raise CommandError("Too many items in one list (at most {limit}).",
                           limit=str(MAX_LIST_ITEMS))
    for item in items:
        if len(item) > MAX_ITEM_CHARS:
            raise CommandError("“{value}…” is too long (at most {limit} characters).",
                               value=item[:40], limit=str(MAX_ITEM_CHARS))
    return tuple(dict.fromkeys(items))
