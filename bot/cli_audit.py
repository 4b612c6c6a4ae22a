"""`newsbot audit [--limit N] [--since 7d] [--json]`: the audit log, newest first.

One line per entry: time (UTC), outcome, channel, user, action, target, detail. What is
recorded is described in `bot.command_context`.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from bot.core.models import AuditEntry
from bot.errors import InputError

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="YAML config file "
                                                "(default: $NEWSBOT_CONFIG or the bundled demo)")]
_AGE = re.compile(r"^\s*(\d{1,6})\s*([mhdw])\s*$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1),
          "w": timedelta(weeks=1)}


def parse_age(text: str) -> timedelta:
    """`30m`, `24h`, `7d`, `2w` → a timedelta; anything else is an `InputError`."""
    found = _AGE.match(text)
    if not found:
        raise InputError(f"--since must look like 30m, 24h, 7d or 2w, not {text!r}")
    return int(found.group(1)) * _UNITS[found.group(2)]


def format_entry(entry: AuditEntry) -> str:
    when = entry.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = [when, f"{entry.outcome:<7}", f"{entry.platform}:{entry.channel}", entry.user_id,
              entry.action, entry.target or "-"]
    line = "  ".join(fields)
    return f"{line}  {entry.detail}" if entry.detail else line


def audit(
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000,
                                       help="At most this many entries.")] = 50,
    since: Annotated[str | None, typer.Option("--since",
                                              help="Only entries this recent: 30m, 24h, 7d, 2w."
                                              )] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Show the audit log: command changes and refused admin commands, newest first."""
    from bot.cli import _settings
    from bot.clock import SystemClock
    from bot.store import migrate
    from bot.store.sql import SqlStore

    age = parse_age(since) if since is not None else None
    settings = _settings(config)

    async def main() -> list[AuditEntry]:
        await asyncio.to_thread(migrate.upgrade, settings.database_url)
        store = SqlStore(url=settings.database_url)
        try:
            start = SystemClock().now() - age if age is not None else None
            return await store.list_audit(limit=limit, since=start)
        finally:
            await store.close()

    for entry in asyncio.run(main()):
        if as_json:
            sys.stdout.write(json.dumps({
                "at": entry.at.strftime("%Y-%m-%dT%H:%M:%SZ"), "outcome": entry.outcome,
                "platform": entry.platform, "channel": entry.channel, "user": entry.user_id,
                "action": entry.action, "target": entry.target, "detail": entry.detail,
            }, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(format_entry(entry) + "\n")
