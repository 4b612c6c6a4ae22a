"""Completions for chat clients that offer them (Discord's autocomplete): what a user may
type next for a subscription target, a current subscription, or a watchlist name.

Read-only and cheap: one look at the store, prefix filtering in memory, at most `LIMIT`
answers (Discord shows 25)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from bot.core.models import Caller
from bot.core.routing import WATCHLIST_PREFIX
from bot.store.sql import SqlStore

LIMIT = 25
Field = Literal["target", "subscription", "watchlist"]
FIELDS: dict[str, Field] = {"target": "target", "subscription": "subscription",
                            "watchlist": "watchlist"}


def _best(candidates: Iterable[str], prefix: str) -> list[str]:
    """Candidates starting with `prefix` (case-insensitive), shortest first, then A–Z."""
    folded = prefix.strip().lstrip("$").lower()
    hits = {c for c in candidates if c.lower().startswith(folded)}
    return sorted(hits, key=lambda c: (len(c), c))[:LIMIT]


async def suggest(
    store: SqlStore,
    caller: Caller,
    field: Field,
    prefix: str,
    *,
    reference: Mapping[str, tuple[str, ...]] | None = None,
) -> list[str]:
    """Up to `LIMIT` completions of `prefix` for `field` in the caller's channel."""
    if field == "subscription":
        channel = await store.get_channel(caller.channel)
        return _best(channel.subscriptions if channel else (), prefix)
    watchlists = await store.list_watchlists()
    names = [w.name for w in watchlists]
    if field == "watchlist":
        return _best(names, prefix)
    keys = [*(t.symbol for w in watchlists for t in w.tickers),
            *(k.key for w in watchlists for k in w.keywords)]
    lists = [f"{WATCHLIST_PREFIX}{name}" for name in names]
    own = _best([*lists, *keys], prefix)  # what this workspace watches comes first
    # then reference symbols, once something is typed (thousands of them otherwise)
    symbols = _best(reference or (), prefix) if prefix.strip() else []
    return [*own, *(s for s in symbols if s not in own)][:LIMIT]
