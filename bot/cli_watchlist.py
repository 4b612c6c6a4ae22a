"""`newsbot watchlist import|export`: move watchlists between YAML files and the database.

The file format is the watchlist file of DESIGN §3. Import validates the whole file before it
writes anything; export writes exactly that format, so export → import → export is identical.

Import semantics, per watchlist named in the file (watchlists not in the file are untouched):
- `--replace` (default): the watchlist's entries become exactly the file's entries.
- `--merge`: file entries are added, or overwrite the stored entry with the same key (a
  ticker's symbol, a keyword's key); stored entries missing from the file are kept.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import yaml
from pydantic import BaseModel

from bot.config import (
    KeywordConfig,
    Settings,
    TickerConfig,
    WatchlistFile,
    _parse_yaml_model,
)
from bot.core.models import KeywordEntry, TickerEntry, Watchlist
from bot.errors import InputError

watchlist_app = typer.Typer(no_args_is_help=True,
                            help="Import and export watchlists (the watchlist YAML file).")

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="YAML config file "
                                                "(default: $NEWSBOT_CONFIG or the bundled demo)")]
F = TypeVar("F", bound=Callable[..., Any])


def _cli_errors(func: F) -> F:
    """`bot.cli.cli_errors`, looked up when called: bot.cli imports this module."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from bot.cli import cli_errors

        return cli_errors(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _settings(config: Path | None) -> Settings:
    from bot.cli import _settings as cli_settings

    return cli_settings(config)


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


# --- commands ---------------------------------------------------------------------------------


@watchlist_app.command("import")
@_cli_errors
def import_(
    file: Annotated[Path, typer.Argument(metavar="FILE.yaml", help="a watchlist file")],
    replace: Annotated[bool, typer.Option(
        "--replace/--merge",
        help="--replace: each watchlist in the file gets exactly the file's entries. "
             "--merge: add entries or overwrite those with the same symbol/key, keep the rest."
    )] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run",
                                          help="Validate and report; write nothing.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Import watchlists from a YAML file (validated as a whole before anything is written)."""
    from bot.app import build_app

    incoming = read_watchlist_file(file)
    settings = _settings(config)

    async def main() -> list[str]:
        bot = await build_app(settings, adapters={})
        try:
            stored = {w.name: w for w in await bot.store.list_watchlists()}
            plans = [plan_import(w, stored.get(w.name), merge=not replace) for w in incoming]
            if not dry_run:
                now = bot.clock.now()
                for plan in plans:
                    if plan.action != "unchanged":
                        await bot.store.upsert_watchlist(plan.result, now=now)
        finally:
            await bot.close()
        return [plan.summary(dry_run=dry_run) for plan in plans]

    lines = asyncio.run(main())
    for line in lines:
        print(line)
    if not lines:
        print(f"newsbot: {file}: no watchlists to import", file=sys.stderr)


@watchlist_app.command("export")
@_cli_errors
def export(
    name: Annotated[list[str] | None, typer.Option(
        "--name", help="Only this watchlist (repeatable); default: all.")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of stdout.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Export watchlists from the database as a watchlist YAML file (sorted by name)."""
    from bot.app import build_app

    settings = _settings(config)

    async def main() -> list[Watchlist]:
        bot = await build_app(settings, adapters={})
        try:
            return sorted(await bot.store.list_watchlists(), key=lambda w: w.name)
        finally:
            await bot.close()

    lists = asyncio.run(main())
    if name:
        known = {w.name for w in lists}
        unknown = [n for n in dict.fromkeys(name) if n not in known]
        if unknown:
            have = ", ".join(sorted(known)) or "none"
            raise InputError(f"unknown watchlist {', '.join(map(repr, unknown))} "
                             f"(known: {have})")
        lists = [w for w in lists if w.name in set(name)]
    text = dump_watchlists(lists)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write file: {exc.strerror}", location=str(output)) from None
    print(f"newsbot: exported {len(lists)} watchlists to {output}", file=sys.stderr)
