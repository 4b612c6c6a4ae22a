"""The automaton engines agree, and the fast scan finds exactly what the first-word scan
finds after all checks (it only skips positions that could never match)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core import automaton
from bot.core.automaton import Automaton
from bot.core.matching import _common_words, compile_matcher
from bot.core.models import Match
from bot.core.resolve import resolve, to_matches
from tests.core.test_matching import FOUND, MATCHER, NOT_FOUND
from tests.core.test_matching_eval import load_entries

KEYS = [" ki ", " ki", "ki", " künstliche intelligenz", "$snow ", ":SNOW ", "a", "aa", "aaa"]
TEXTS = ["", " ki kiel ", "künstliche intelligenz ki", "$snow :SNOW aaaa", "ßẞİi̇ ki "]


@pytest.mark.parametrize("text", TEXTS, ids=[f"text{i}" for i in range(len(TEXTS))])
def test_engines_agree(text: str) -> None:
    rs = Automaton(KEYS, engine="ahocorasick_rs")
    py = Automaton(KEYS, engine="pyahocorasick")
    assert sorted(rs.find(text)) == sorted(py.find(text))
    for index, start, end in py.find(text):
        assert text[start:end] == KEYS[index]


def test_empty_automaton_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        Automaton([])


def slow_matches(matcher: object, title: str, text: str, lang: str | None) -> tuple[Match, ...]:
    """What the first-word scan (the one `why` uses) finds, through the same resolution."""
    common = _common_words(lang)
    found: list[Match] = []
    for field, value in (("title", title), ("text", text)):
        if value:
            hits = matcher._slow_scan(value, common, [])  # type: ignore[attr-defined]
            hits.extend(matcher._regex_hits(value, None))  # type: ignore[attr-defined]
            if hits:
                found.extend(to_matches(resolve(hits, value), text=value, field=field))  # type: ignore[arg-type]
    return tuple(found)


CASES = [(case[1], case[2]) for case in FOUND + NOT_FOUND]


@pytest.mark.parametrize(("text", "lang"), CASES, ids=[case[0] for case in FOUND + NOT_FOUND])
def test_fast_scan_equals_first_word_scan_on_the_hard_cases(text: str, lang: str) -> None:
    assert MATCHER.match(title="", text=text, lang=lang) == slow_matches(MATCHER, "", text, lang)


def test_fallback_engine_gives_the_same_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.core.test_matching import KEYWORDS, TICKERS

    monkeypatch.setattr(automaton, "ENGINE", "pyahocorasick")
    fallback = compile_matcher(tickers=TICKERS, keywords=KEYWORDS)
    for text, lang in CASES:
        assert fallback.match(title=text, text=text, lang=lang) == MATCHER.match(
            title=text, text=text, lang=lang
        )


@pytest.mark.corpus
def test_fast_scan_equals_first_word_scan_on_the_dev_set(shared: Path) -> None:
    eval_dir = shared / "eval"
    if not (eval_dir / "match-dev.jsonl").is_file():
        pytest.skip("../shared/eval is not present")
    tickers, keywords = load_entries(eval_dir / "watchlist.yaml")
    matcher = compile_matcher(tickers=tickers, keywords=keywords)
    lines = (eval_dir / "match-dev.jsonl").read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    for row in rows:
        title, text, lang = row["title"], row.get("text") or "", row["lang"]
        assert matcher.match(title=title, text=text, lang=lang) == slow_matches(
            matcher, title, text, lang
        ), row["id"]
