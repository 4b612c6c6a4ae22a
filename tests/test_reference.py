"""The reference names from pytickersymbols' shipped data (#3), end to end."""

from __future__ import annotations

import re
import socket
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_watchlist_file
from bot.core.aliases import find_collisions
from bot.core.matching import compile_matcher
from bot.core.models import TickerEntry, Watchlist
from bot.reference import INDICES, load_reference, reference_rows
from bot.store.migrate import upgrade
from bot.store.sql import SqlStore


@pytest.mark.parametrize(
    ("symbol", "name"),
    [
        ("NVDA", "Nvidia"),
        ("SIE", "Siemens"),
        ("ENR", "Siemens Energy"),
        ("SAP", "SAP"),
        ("AAPL", "Apple"),
        ("MBG", "Mercedes-Benz"),
        ("META", "Meta"),
        ("IFX", "Infineon"),
        ("DTE", "Deutsche Telekom"),
        ("MSFT", "Microsoft"),
        ("ADN1", "Adesso"),  # the registry's own symbol is a London code here
    ],
    ids=lambda value: str(value),
)
def test_reference_names(symbol: str, name: str) -> None:
    assert name in load_reference()[symbol]


@pytest.mark.parametrize(
    ("index", "low", "high"),
    [("DAX", 38, 42), ("MDAX", 45, 52), ("TecDAX", 28, 32), ("SDAX", 35, 72),
     ("S&P 500", 480, 510), ("NASDAQ 100", 95, 105)],
    ids=lambda value: str(value),
)
def test_rows_per_index_are_sane(index: str, low: int, high: int) -> None:
    counts = Counter(row.index_name for row in reference_rows())
    assert set(counts) == set(INDICES)
    assert low <= counts[index] <= high


def test_reference_is_sane_overall() -> None:
    reference = load_reference()
    assert 550 <= len(reference) <= 800
    assert all(reference.values())  # every symbol has a name
    # no exchange suffixes left; one-letter share classes stay ("BRK.B")
    assert all(re.fullmatch(r"[A-Z0-9]{1,6}(?:\.[A-Z])?", symbol) for symbol in reference)
    assert len(find_collisions(reference_rows())) <= 10


def test_loads_offline_and_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the reference must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    load_reference.cache_clear()
    began = time.perf_counter()
    reference = load_reference()
    assert time.perf_counter() - began < 2.0  # ~50 ms warm; generous for slow CI
    assert load_reference() is reference  # cached


@pytest.mark.parametrize(
    ("entry", "title", "keys"),
    [
        (TickerEntry(symbol="NVDA"), "Nvidia-Aktie steigt", {"NVDA"}),
        (TickerEntry(symbol="NVDA", names=()), "Nvidia-Aktie steigt", set()),
        (TickerEntry(symbol="META"), "Meta Platforms legt zu", {"META"}),
        (TickerEntry(symbol="TGT"), "Kursziel: Target erreicht", set()),
        (TickerEntry(symbol="SIE"), "Siemens Energy hebt Prognose", set()),
    ],
    ids=["nvidia-compound", "names-empty", "meta-platforms", "target-is-a-word",
         "siemens-energy-is-not-siemens"],
)
def test_matcher_with_real_reference(entry: TickerEntry, title: str, keys: set[str]) -> None:
    matcher = compile_matcher(tickers=[entry], keywords=[], reference=load_reference())
    assert matcher.keys_in(title=title, text="", lang="de") == keys


async def test_extra_names_round_trip_yaml_and_store(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "watchlists:\n"
        "  - name: chips\n"
        "    tickers:\n"
        "      - {symbol: NVDA, extra_names: [Jensen Huang]}\n"
        "      - {symbol: SIE, names: [Siemens], extra_names: [Siemens AG]}\n",
        encoding="utf-8",
    )
    lists = [w.to_watchlist() for w in load_watchlist_file(path).watchlists]
    assert lists[0].tickers[0] == TickerEntry(symbol="NVDA", extra_names=("Jensen Huang",))
    upgrade(db_url)
    store = SqlStore(url=db_url)
    try:
        await store.upsert_watchlist(lists[0], now=datetime(2026, 11, 28, tzinfo=UTC))
        assert await store.list_watchlists() == [
            Watchlist(name="chips", tickers=lists[0].tickers)]
    finally:
        await store.close()
