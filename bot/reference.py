"""Reference company names for ticker symbols, from the data pytickersymbols ships (#3).

Offline: the package's index tables are a Python module inside the wheel; nothing here
opens a connection. Loaded once per process (about 30 ms, most of it the import).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from bot.core.aliases import INDEX_PRIORITY, ReferenceRow, build_reference

# the index names as pytickersymbols spells them
INDICES: tuple[str, ...] = INDEX_PRIORITY
_GERMAN = frozenset({"DAX", "MDAX", "TecDAX", "SDAX"})


@functools.cache
def load_reference() -> Mapping[str, tuple[str, ...]]:
    """Symbol → short company names for DAX, MDAX, TecDAX, SDAX, S&P 500 and NASDAQ 100."""
    return MappingProxyType(build_reference(reference_rows()))


def reference_rows() -> Iterator[ReferenceRow]:
    """One (symbol, company name, index) row per listed company with a usable symbol."""
    from pytickersymbols import PyTickerSymbols  # untyped; imported on first use only

    registry = PyTickerSymbols()
    for index in INDICES:
        for company in registry.get_stocks_by_index(index):
            symbol = _symbol(company, german=index in _GERMAN)
            name = company.get("name")
            if symbol and isinstance(name, str):
                yield ReferenceRow(symbol=symbol, name=name, index_name=index)


def _symbol(company: Mapping[str, Any], *, german: bool) -> str | None:
    """The listing readers use. German rows prefer a XETRA/Frankfurt symbol: the registry's
    plain symbol is sometimes a London code ("0N5I" for Adesso, whose "ADN1.F" is right)."""
    primary = company.get("symbol")
    primary = primary if isinstance(primary, str) and primary else None
    if not german:
        return primary
    # the registry's own symbol first: its list of other listings has mistakes
    listed = [primary] if primary else []
    for other in company.get("symbols") or ():
        yahoo = other.get("yahoo") if isinstance(other, dict) else None
        if isinstance(yahoo, str):
            listed.append(yahoo)
    for suffix in (".DE", ".F"):
        found = next((s for s in listed if s.endswith(suffix)), None)
        if found:
            return found
    return primary
