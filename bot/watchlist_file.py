"""The watchlist file (DESIGN §3) as text: read and validate it, write it, plan an import.

Shared by `newsbot watchlist import|export` (bot/cli_watchlist.py) and the chat commands
`/news watchlist import|export`. Import validates the whole text before anything is written;
export writes exactly this format, so export → import → export is identical.

Import semantics, per watchlist named in the file (watchlists not in the file are untouched):
- replace (default): the watchlist's entries become exactly the file's entries.
- merge: file entries are added, or overwrite the stored entry with the same key (a ticker's
  symbol, a keyword's key); stored entries missing from the file are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from bot.config import KeywordConfig, TickerConfig, WatchlistFile, _parse_yaml_model
from bot.core.models import KeywordEntry, TickerEntry, Watchlist
from bot.errors import InputError

# --- reading and checking a watchlist file --------------------------------------------------


def read_watchlist_file(path: Path) -> list[Watchlist]:
    """Parse and validate the whole file; the first problem raises `InputError` naming the
    file, line and entry. Beyond the schema: no duplicate watchlist names, no duplicate keys
    in one watchlist (symbols and keyword keys compare case-insensitively, as they are stored
    upper-case), no duplicate keys in one YAML mapping, no empty strings in lists."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", location=name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file: {exc}", location=name) from None
    return parse_watchlist_text(text, name)


def parse_watchlist_text(text: str, name: str) -> list[Watchlist]:
    """`read_watchlist_file` for text already in hand (`name` labels error locations)."""
    # YAML syntax, schema, duplicate keys and entries (see bot.config_checks)
    parsed = _parse_yaml_model(text, name, WatchlistFile)
    return [w.to_watchlist() for w in parsed.watchlists]


# --- writing a watchlist file ----------------------------------------------------------------


def _flow(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, sort_keys=False,
                          width=1_000_000).strip()


def _entry_yaml(entry: TickerEntry | KeywordEntry, schema: type[BaseModel]) -> dict[str, Any]:
    """The entry as the file writes it: the schema's fields in order, defaults left out
    (`names: []` is kept: it differs from an absent `names`)."""
    out: dict[str, Any] = {}
    for field, info in schema.model_fields.items():
        value = getattr(entry, field)
        if isinstance(value, tuple):
            value = list(value)
        if not info.is_required() and value == info.get_default(call_default_factory=True):
            continue
        out[field] = value
    return out


def format_entry(entry: TickerEntry | KeywordEntry) -> str:
    """One entry as the file writes it: `{symbol: NVDA, names: [Nvidia]}`."""
    schema = TickerConfig if isinstance(entry, TickerEntry) else KeywordConfig
    return _flow(_entry_yaml(entry, schema))


def dump_watchlists(lists: Sequence[Watchlist]) -> str:
    """The watchlist file for these watchlists, one flow mapping per entry (as in DESIGN §3)."""
    if not lists:
        return "watchlists: []\n"
    lines = ["watchlists:"]
    for wl in lists:
        lines.append(f"  - {_flow({'name': wl.name})[1:-1]}")
        for field, entries, schema in (("tickers", wl.tickers, TickerConfig),
                                       ("keywords", wl.keywords, KeywordConfig)):
            if entries:
                lines.append(f"    {field}:")
                lines.extend(f"      - {_flow(_entry_yaml(e, schema))}" for e in entries)
    return "\n".join(lines) + "\n"


# --- merge / replace --------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What importing one watchlist does."""

    result: Watchlist
    action: str  # "created", "replaced", "merged", "unchanged"
    added: int = 0
    updated: int = 0
    removed: int = 0

    def summary(self, *, dry_run: bool) -> str:
        verb = self.action
        if dry_run and verb != "unchanged":
            verb = "would " + {"created": "create", "replaced": "replace",
                               "merged": "merge"}[verb]
        counts = f"{len(self.result.tickers)} tickers, {len(self.result.keywords)} keywords"
        changes = [f"{n} {what}" for n, what in ((self.added, "added"),
                                                 (self.updated, "updated"),
                                                 (self.removed, "removed")) if n]
        detail = f" ({', '.join(changes)})" if changes and self.action != "created" else ""
        return f"{verb} watchlist {self.result.name}: {counts}{detail}"


def plan_import(incoming: Watchlist, stored: Watchlist | None, *, merge: bool) -> Plan:
    if stored is None:
        return Plan(incoming, "created")
    if merge:
        result = Watchlist(
            name=incoming.name,
            tickers=_merged(stored.tickers, incoming.tickers, lambda t: t.symbol),
            keywords=_merged(stored.keywords, incoming.keywords, lambda k: k.key),
        )
    else:
        result = incoming
    old = {("t", t.symbol): t for t in stored.tickers} | {("k", k.key): k for k in stored.keywords}
    new = {("t", t.symbol): t for t in result.tickers} | {("k", k.key): k for k in result.keywords}
    added = sum(1 for key in new if key not in old)
    updated = sum(1 for key, value in new.items() if key in old and old[key] != value)
    removed = sum(1 for key in old if key not in new)
    action = "unchanged" if result == stored else ("merged" if merge else "replaced")
    return Plan(result, action, added, updated, removed)


E = TypeVar("E", TickerEntry, KeywordEntry)


def _merged(stored: tuple[E, ...], incoming: tuple[E, ...], key: Callable[[E], str]
            ) -> tuple[E, ...]:
    """Stored entries in their order, overwritten in place by incoming ones; new ones after."""
    fresh = {key(e): e for e in incoming}
    kept = tuple(fresh.pop(key(e), e) for e in stored)
    return kept + tuple(fresh.values())
