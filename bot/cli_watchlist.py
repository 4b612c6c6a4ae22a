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
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from bot.config import Settings
from bot.core.models import Watchlist
from bot.errors import InputError
from bot.watchlist_file import dump_watchlists, plan_import, read_watchlist_file

__all__ = ["dump_watchlists", "plan_import", "read_watchlist_file", "watchlist_app"]

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
