"""Multi-string search: one Aho-Corasick automaton over many keys, all overlapping hits.

`ahocorasick_rs` (Rust, wheels for Linux, macOS and Windows) returns every hit of a text in
one call; with this project's keys it scanned a 2 KB article in about half the time of
`pyahocorasick`, whose iterator hands back one hit per Python step and slows down more as
the automaton grows (bench/match.py). `pyahocorasick` builds from source with any C
compiler, so it stays as the fallback where no Rust wheel exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ahocorasick as _py  # C extension without stubs

_rs: Any
try:
    import ahocorasick_rs as _rs
except ImportError:  # pragma: no cover - the fallback is tested by forcing `engine`
    _rs = None

ENGINE = "ahocorasick_rs" if _rs is not None else "pyahocorasick"


class Automaton:
    """Finds every occurrence of every key, overlapping ones included."""

    def __init__(self, keys: Sequence[str], *, engine: str | None = None) -> None:
        if not keys:
            raise ValueError("an automaton needs at least one key")
        engine = engine or ENGINE
        self.engine = engine
        self._rs: Any = None
        self._py: Any = None
        if engine == "ahocorasick_rs" and _rs is not None:
            self._rs = _rs.AhoCorasick(keys, implementation=_rs.Implementation.ContiguousNFA)
        else:
            self.engine = "pyahocorasick"
            automaton = _py.Automaton()
            for index, key in enumerate(keys):
                automaton.add_word(key, (index, len(key)))
            automaton.make_automaton()
            self._py = automaton

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(key index, start, end) of every hit; `end` is exclusive."""
        if self._rs is not None:
            hits: list[tuple[int, int, int]] = self._rs.find_matches_as_indexes(
                text, overlapping=True
            )
            return hits
        return [(index, end - length + 1, end + 1) for end, (index, length) in self._py.iter(text)]
