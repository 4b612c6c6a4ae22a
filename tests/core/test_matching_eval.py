"""The labeled dev set (../shared/eval): micro-F1 per language against the word-regex baseline.

Run with `-s` to see the figures.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.matching import compile_matcher
from bot.core.models import KeywordEntry, TickerEntry

pytestmark = pytest.mark.corpus

MIN_F1 = 0.97


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, got: Iterable[str], gold: Iterable[str]) -> None:
        got_set, gold_set = set(got), set(gold)
        self.tp += len(got_set & gold_set)
        self.fp += len(got_set - gold_set)
        self.fn += len(gold_set - got_set)

    @property
    def f1(self) -> float:
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0


def load_entries(path: Path) -> tuple[list[TickerEntry], list[KeywordEntry]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    tickers: list[TickerEntry] = []
    keywords: list[KeywordEntry] = []
    for wl in data["watchlists"]:
        for t in wl.get("tickers") or []:
            names = t.get("names")
            tickers.append(
                TickerEntry(
                    symbol=t["symbol"],
                    names=None if names is None else tuple(names),
                    exclude=tuple(t.get("exclude") or ()),
                    bare=t.get("bare"),
                )
            )
        for k in wl.get("keywords") or []:
            keywords.append(
                KeywordEntry(
                    key=k["key"],
                    terms=tuple(k["terms"]),
                    case_sensitive=k.get("case_sensitive"),
                    exclude=tuple(k.get("exclude") or ()),
                )
            )
    return tickers, keywords


def word_regex_baseline(
    tickers: list[TickerEntry], keywords: list[KeywordEntry]
) -> Callable[[str, str], set[str]]:
    """The README's baseline: case-insensitive `\\b` word regex per name and term."""
    patterns = [
        (t.symbol, re.compile(rf"\b{re.escape(n)}\b", re.I)) for t in tickers for n in t.names or ()
    ] + [(k.key, re.compile(rf"\b{re.escape(term)}\b", re.I)) for k in keywords for term in k.terms]
    return lambda title, text: {key for key, p in patterns if p.search(title) or p.search(text)}


@pytest.fixture
def dev_set(shared: Path) -> tuple[list[TickerEntry], list[KeywordEntry], list[dict[str, Any]]]:
    eval_dir = shared / "eval"
    watchlist, items = eval_dir / "watchlist.yaml", eval_dir / "match-dev.jsonl"
    if not (watchlist.is_file() and items.is_file()):
        pytest.skip("../shared/eval is not present")
    tickers, keywords = load_entries(watchlist)
    rows = [json.loads(line) for line in items.read_text("utf-8").splitlines() if line.strip()]
    return tickers, keywords, rows


def test_micro_f1_per_language_beats_the_floor(
    dev_set: tuple[list[TickerEntry], list[KeywordEntry], list[dict[str, Any]]],
) -> None:
    tickers, keywords, rows = dev_set
    matcher = compile_matcher(tickers=tickers, keywords=keywords)
    baseline = word_regex_baseline(tickers, keywords)
    ours: dict[str, Score] = {}
    base: dict[str, Score] = {}
    misses: list[str] = []
    for row in rows:
        title, text, lang = row["title"], row.get("text") or "", row["lang"]
        got = matcher.keys_in(title=title, text=text, lang=lang)
        ours.setdefault(lang, Score()).add(got, row["labels"])
        base.setdefault(lang, Score()).add(baseline(title, text), row["labels"])
        if got != set(row["labels"]):
            misses.append(f"{row['id']}: got {sorted(got)}, labels {sorted(row['labels'])}")
    for lang in sorted(ours):
        print(
            f"\nmatch-dev {lang}: micro-F1 {ours[lang].f1:.4f} "
            f"(tp {ours[lang].tp}, fp {ours[lang].fp}, fn {ours[lang].fn}); "
            f"word-regex baseline {base[lang].f1:.4f}"
        )
    print("\n".join(misses))
    assert set(ours) == {"de", "en"}
    for lang, score in ours.items():
        assert score.f1 >= MIN_F1, f"{lang}: F1 {score.f1:.4f} < {MIN_F1}; misses: {misses}"
