"""Regex terms: whole words, case rules, bad patterns refused, runaway patterns cut off."""

from __future__ import annotations

import pytest

from bot.core.match_specs import Miss
from bot.core.matching import compile_matcher
from bot.core.models import KeywordEntry
from bot.core.regex_terms import RegexTerm, compile_regex_term


def keys(entry: KeywordEntry, text: str) -> list[str]:
    matcher = compile_matcher(tickers=[], keywords=[entry])
    return [m.term for m in matcher.match(title="", text=text)]


GPT = KeywordEntry(key="GPT", terms=(), regex=(r"GPT-?4(?:o|\.\d)?",))


@pytest.mark.parametrize(
    ("entry", "text", "terms"),
    [
        (GPT, "OpenAI stellt GPT-4o vor", ["GPT-4o"]),
        (GPT, "GPT4 und GPT-4.1 im Test", ["GPT4", "GPT-4.1"]),
        (GPT, "ChatGPT-4o ist da", []),  # inside a word: no left boundary
        (GPT, "GPT-4oX", []),  # the word goes on
        (GPT, "gpt-4o", []),  # case-sensitive by default
        (KeywordEntry(key="GPT", terms=(), regex=(r"gpt-?4o",), case_sensitive=False),
         "Das neue GPT-4o", ["GPT-4o"]),
        (KeywordEntry(key="LLAMA", terms=("Llama",), regex=(r"Llama[ -]?3(?:\.\d)?",)),
         "Meta veröffentlicht Llama 3.3", ["Llama 3.3"]),
        (KeywordEntry(key="Q", terms=(), regex=(r"Q[1-4]/20\d\d",)), "Zahlen für Q3/2026",
         ["Q3/2026"]),
    ],
    ids=["compound", "two-forms", "inside-word", "word-goes-on", "case", "ignorecase",
         "with-terms-longest-wins", "symbolic"],
)
def test_regex_terms_match_whole_words(entry: KeywordEntry, text: str, terms: list[str]) -> None:
    assert keys(entry, text) == terms


def test_regex_match_says_via_regex_and_exclude_still_wins() -> None:
    entry = KeywordEntry(key="GPT", terms=(), regex=(r"GPT-\d",), exclude=("GPT-2 Studie",))
    matcher = compile_matcher(tickers=[], keywords=[entry])
    [match] = matcher.match(title="", text="GPT-5 kommt")
    assert match.via == "regex"
    assert matcher.match(title="", text="Die GPT-2 Studie") == ()


@pytest.mark.parametrize(
    ("source", "message"),
    [("(unclosed", "invalid regex"), ("", "empty"), ("a*", "empty string"),
     ("x" * 301, "longer than")],
    ids=["syntax", "blank", "matches-empty", "too-long"],
)
def test_bad_patterns_are_refused(source: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compile_regex_term(source, case_sensitive=True)


def test_catastrophic_backtracking_is_cut_off() -> None:
    term = RegexTerm(key="BAD", kind="keyword", source="(a|aa)+$",
                     pattern=compile_regex_term("(a|aa)+$", case_sensitive=True))
    assert term.find_all("a" * 60 + "!", timeout=0.01) is Miss.TIMEOUT


def test_a_timed_out_term_does_not_stop_the_others() -> None:
    matcher = compile_matcher(
        tickers=[],
        keywords=[KeywordEntry(key="BAD", terms=(), regex=("(a|aa)+$",)),
                  KeywordEntry(key="KI", terms=("KI",))],
    )
    text = "KI " + "a" * 60 + "!"
    assert [m.key for m in matcher.match(title="", text=text)] == ["KI"]
    _, misses = matcher.explain(title="", text=text)
    assert [(n.key, n.reason, n.detail) for n in misses if n.key == "BAD"] == [
        ("BAD", Miss.TIMEOUT, "(a|aa)+$")
    ]
