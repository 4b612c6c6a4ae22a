"""From subscriptions to deliveries: which channel gets which article, and why. Pure.

A subscription target is one of:
- `watchlist:NAME` — every entry of that watchlist;
- a key defined in some watchlist (`SNOW`, `DEEPSEEK`) — that entry;
- an unknown symbol-shaped target (`NVDA`) — an implicit ticker with its symbol forms
  and the reference company names passed to `build_routing` ("Nvidia");
- anything else (`Quantencomputer`) — an implicit keyword with that one term.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.matching import Matcher, compile_matcher
from bot.core.models import Article, Channel, KeywordEntry, Match, TickerEntry, Watchlist

WATCHLIST_PREFIX = "watchlist:"
SYMBOL = re.compile(r"^\$?[A-Z][A-Z0-9]{0,5}(?:\.[A-Z]{1,3})?$")

Entry = TickerEntry | KeywordEntry


@dataclass(frozen=True, slots=True)
class Route:
    """One outbox row to write: this channel gets this article for these matches."""

    channel_id: int
    article_uid: str
    matches: tuple[Match, ...]


def entry_key(entry: Entry) -> str:
    return entry.symbol if isinstance(entry, TickerEntry) else entry.key


def normalize_target(raw: str) -> str:
    """Canonical spelling of a subscription target, so `$snow`, `snow` and `SNOW` are one."""
    text = raw.strip()
    if text.lower().startswith(WATCHLIST_PREFIX):
        return WATCHLIST_PREFIX + text[len(WATCHLIST_PREFIX):].strip().lower()
    return text.lstrip("$").upper()


def resolve_target(target: str, watchlists: Sequence[Watchlist]) -> tuple[Entry, ...]:
    """The watchlist entries a subscription target stands for (empty for an unknown watchlist)."""
    if target.startswith(WATCHLIST_PREFIX):
        name = target[len(WATCHLIST_PREFIX):]
        for wl in watchlists:
            if wl.name == name:
                return (*wl.tickers, *wl.keywords)
        return ()
    for wl in watchlists:
        entries: tuple[Entry, ...] = (*wl.tickers, *wl.keywords)
        for entry in entries:
            if entry_key(entry) == target:
                return (entry,)
    if SYMBOL.match(target):
        return (TickerEntry(symbol=target),)
    return (KeywordEntry(key=target, terms=(target,)),)


@dataclass(frozen=True, slots=True)
class RoutingTable:
    """One compiled matcher over every entry any channel subscribes to, plus who wants what."""

    matcher: Matcher
    channel_keys: Mapping[int, frozenset[str]]

    def route(self, articles: Iterable[Article]) -> list[Route]:
        routes: list[Route] = []
        for article in articles:
            matches = self.matcher.match(title=article.title, text=article.text, lang=article.lang)
            if not matches:
                continue
            for channel_id, keys in self.channel_keys.items():
                wanted = tuple(m for m in matches if m.key in keys)
                if wanted:
                    routes.append(Route(channel_id, article.uid, wanted))
        return routes


def build_routing(
    channels: Iterable[Channel],
    watchlists: Sequence[Watchlist],
    *,
    reference: Mapping[str, tuple[str, ...]] | None = None,
) -> RoutingTable:
    entries: dict[tuple[str, str], Entry] = {}
    channel_keys: dict[int, frozenset[str]] = {}
    for channel in channels:
        keys: set[str] = set()
        for target in channel.subscriptions:
            for entry in resolve_target(target, watchlists):
                kind = "ticker" if isinstance(entry, TickerEntry) else "keyword"
                # the first definition of a key wins, so two watchlists cannot fight over it
                entries.setdefault((kind, entry_key(entry)), entry)
                keys.add(entry_key(entry))
        if keys:
            channel_keys[channel.id] = frozenset(keys)
    matcher = compile_matcher(
        tickers=[e for e in entries.values() if isinstance(e, TickerEntry)],
        keywords=[e for e in entries.values() if isinstance(e, KeywordEntry)],
        reference=reference,
    )
    return RoutingTable(matcher=matcher, channel_keys=channel_keys)
