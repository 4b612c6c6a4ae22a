"""Matching throughput: the compiled matcher against a naive per-term `\\b` regex loop.

Run from the repository root: `.venv/bin/python bench/matching.py [--rounds N] [--scale K]`.
Reads ../shared/eval (or NEWSBOT_SHARED/eval). `--scale K` repeats the watchlist K times with
renamed entries, to show how each approach grows with the number of entries.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.core.matching import compile_matcher
from bot.core.models import KeywordEntry, TickerEntry

Item = tuple[str, str, str | None]  # title, text, lang


def _shared() -> Path:
    env = os.environ.get("NEWSBOT_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def load_watchlist(path: Path, scale: int) -> tuple[list[TickerEntry], list[KeywordEntry]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    tickers: list[TickerEntry] = []
    keywords: list[KeywordEntry] = []
    for copy in range(scale):
        # copies get a suffix so they are distinct entries that (mostly) never match
        tag = "" if copy == 0 else f"x{copy}"
        for wl in data["watchlists"]:
            for t in wl.get("tickers", []):
                names = t.get("names")
                tickers.append(
                    TickerEntry(
                        symbol=t["symbol"] + tag.upper(),
                        names=None if names is None else tuple(n + tag for n in names),
                        exclude=tuple(e + tag for e in t.get("exclude", [])),
                    )
                )
            for k in wl.get("keywords", []):
                keywords.append(
                    KeywordEntry(
                        key=k["key"] + tag.upper(),
                        terms=tuple(term + tag for term in k["terms"]),
                        case_sensitive=k.get("case_sensitive"),
                    )
                )
    return tickers, keywords


def naive_matcher(
    tickers: Sequence[TickerEntry], keywords: Sequence[KeywordEntry]
) -> Callable[[str, str], set[str]]:
    """The baseline: one case-insensitive `\\b` regex per term, tried one after another."""
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for t in tickers:
        for term in (*(t.names or ()), t.symbol):
            patterns.append((t.symbol, re.compile(rf"\b{re.escape(term)}\b", re.IGNORECASE)))
    for k in keywords:
        for term in k.terms:
            patterns.append((k.key, re.compile(rf"\b{re.escape(term)}\b", re.IGNORECASE)))

    def match(title: str, text: str) -> set[str]:
        return {key for key, p in patterns if p.search(title) or p.search(text)}

    return match


def timed(label: str, run: Callable[[], int], items: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    rate = items / best
    print(f"{label:<28} {rate:>10,.0f} items/s  ({best * 1000:.1f} ms per pass)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    shared = _shared() / "eval"
    rows = [
        json.loads(line)
        for line in (shared / "match-dev.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    items: list[Item] = [(r["title"], r.get("text") or "", r.get("lang")) for r in rows]
    tickers, keywords = load_watchlist(shared / "watchlist.yaml", args.scale)
    print(f"{len(items)} items, {len(tickers)} tickers, {len(keywords)} keywords")

    began = time.perf_counter()
    matcher = compile_matcher(tickers=tickers, keywords=keywords)
    print(f"compile_matcher: {(time.perf_counter() - began) * 1000:.1f} ms")
    naive = naive_matcher(tickers, keywords)

    def run_compiled() -> int:
        return sum(len(matcher.keys_in(title=t, text=x, lang=lang)) for t, x, lang in items)

    def run_naive() -> int:
        return sum(len(naive(t, x)) for t, x, _ in items)

    compiled_rate = timed("compiled matcher", run_compiled, len(items), args.rounds)
    naive_rate = timed("naive \\b regex per term", run_naive, len(items), args.rounds)
    print(f"ratio compiled/naive: {compiled_rate / naive_rate:.2f}x")


if __name__ == "__main__":
    main()
