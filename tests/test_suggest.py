"""Autocomplete suggestions: the workspace's own watchlists and keys first, reference symbols
after, the channel's subscriptions for unsubscribe; at most 25."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.models import Caller, ChannelRef, KeywordEntry, TickerEntry, Watchlist
from bot.store.migrate import upgrade
from bot.store.sql import SqlStore
from bot.suggest import LIMIT, suggest

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
CALLER = Caller(channel=ChannelRef("discord", "1"), user_id="u", role="member")
REFERENCE = {sym: (sym.title(),) for sym in ["SAP", "SIE", "SNOW", "NVDA", "SHL", *(
    f"S{i:02d}" for i in range(40))]}


@pytest.fixture
async def store(store_url: str) -> SqlStore:
    upgrade(store_url)
    s = SqlStore(url=store_url)
    await s.upsert_watchlist(Watchlist(
        name="tech", tickers=(TickerEntry(symbol="SNOW"), TickerEntry(symbol="NVDA")),
        keywords=(KeywordEntry(key="DEEPSEEK", terms=("DeepSeek",)),)), now=NOW)
    await s.upsert_watchlist(Watchlist(name="semis"), now=NOW)
    channel = await s.ensure_channel(CALLER.channel, now=NOW)
    await s.subscribe(channel.id, ["SNOW", "watchlist:tech"], now=NOW)
    return s


@pytest.mark.parametrize(
    ("field", "prefix", "expected"),
    [
        ("watchlist", "", ["tech", "semis"]),
        ("watchlist", "S", ["semis"]),
        ("subscription", "", ["SNOW", "watchlist:tech"]),
        ("subscription", "wat", ["watchlist:tech"]),
        ("target", "$sn", ["SNOW"]),
        ("target", "deep", ["DEEPSEEK"]),
        ("target", "watchlist:s", ["watchlist:semis"]),
        ("target", "", ["NVDA", "SNOW", "DEEPSEEK", "watchlist:tech", "watchlist:semis"]),
    ],
    ids=["names", "name-prefix", "subscriptions", "subscription-prefix", "cashtag",
         "keyword-any-case", "watchlist-target", "nothing-typed-no-reference"],
)
async def test_suggest(store: SqlStore, field: str, prefix: str, expected: list[str]) -> None:
    try:
        got = await suggest(store, CALLER, field, prefix, reference=REFERENCE)  # type: ignore[arg-type]
    finally:
        await store.close()
    assert got == expected


async def test_own_entries_first_then_reference_up_to_the_limit(store: SqlStore) -> None:
    try:
        got = await suggest(store, CALLER, "target", "s", reference=REFERENCE)
    finally:
        await store.close()
    assert got[0] == "SNOW"  # the workspace's own before the reference's shorter symbols
    assert len(got) == LIMIT  # 44 reference symbols start with S: cut at the limit
    assert all(g.lower().startswith("s") for g in got)
