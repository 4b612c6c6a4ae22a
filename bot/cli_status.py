"""`newsbot status [--json]`: what an operator checks first — feeds that fail or are
disabled, channels the platform refused (paused), and the outbox by status."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

ConfigOpt = Annotated[Path | None, typer.Option("--config", help="YAML config file "
                                                "(default: $NEWSBOT_CONFIG or the bundled demo)")]


def _iso(value: Any) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Show feed health, paused channels and the outbox."""
    from bot.cli import _settings
    from bot.store import migrate
    from bot.store.sql import SqlStore

    settings = _settings(config)

    async def main() -> dict[str, Any]:
        await asyncio.to_thread(migrate.upgrade, settings.database_url)
        store = SqlStore(url=settings.database_url)
        try:
            feeds = await store.list_feeds()
            channels = await store.list_channels()
            outbox = await store.delivery_counts()
        finally:
            await store.close()
        return {
            "feeds": {
                "total": len(feeds),
                "failing": [
                    {"url": f.url, "errors": f.error_count, "disabled": f.disabled_reason,
                     "next_poll": _iso(f.next_poll_at)}
                    for f in feeds if f.error_count or f.disabled_reason
                ],
            },
            "channels": {
                "total": len(channels),
                "paused": [{"channel": str(c.ref), "reason": c.paused}
                           for c in channels if c.paused is not None],
            },
            "outbox": dict(sorted(outbox.items())),
        }

    report = asyncio.run(main())
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
        return
    feeds, channels = report["feeds"], report["channels"]
    lines = [f"feeds: {feeds['total']}, failing or disabled: {len(feeds['failing'])}"]
    lines += [f"  {f['url']}  errors {f['errors']}" + (f"  disabled: {f['disabled']}"
                                                       if f["disabled"] else "")
              for f in feeds["failing"]]
    lines.append(f"channels: {channels['total']}, paused: {len(channels['paused'])}")
    lines += [f"  {c['channel']}  paused: {c['reason']}" for c in channels["paused"]]
    outbox = ", ".join(f"{k} {v}" for k, v in report["outbox"].items()) or "empty"
    lines.append(f"outbox: {outbox}")
    sys.stdout.write("\n".join(lines) + "\n")
