"""Regular expressions for one watchlist term: its words, inflection, compounds, boundaries.

A term pattern is applied with `pattern.match(text, start)` at a position where the
automaton in `matching` found the term's first word; the left boundary is checked there,
everything to the right of `start` is checked here. The named group `core` is the term
itself without inflection suffix or compound tail.
"""

from __future__ import annotations

import re
from enum import Enum

from bot.core.lexicon import APOSTROPHES, EXCHANGES, HYPHENS, WORD_CHAR_CLASS

WORD = f"[{WORD_CHAR_CLASS}]"
_WORD_RE = re.compile(WORD)
_NOT_WORD_AHEAD = f"(?!{WORD})"
# words of a multi-word term may be joined by spaces or hyphens ("Deutsche-Bank-Aktie")
_JOINT = rf"(?:\s+|[{HYPHENS}])"
# a compound tail: "-Aktie", "-Chef", "-Benz-Konzern"
_TAIL = rf"(?:[{HYPHENS}]{WORD}+)*"
_POSSESSIVE = rf"[{APOSTROPHES}]s"


class Inflection(Enum):
    """Which suffixes a term's last word may take."""

    NAME = "name"  # genitive/plural s, 's: "Nvidias", "Apple's", "Siemens'"
    KEYWORD = "keyword"  # also German plural/case endings: "Sprachmodelle", "Modellen"


def fold(text: str) -> str:
    """Lowercase without changing the length, so offsets in the folded text stay valid."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def is_word_char(text: str, index: int) -> bool:
    return 0 <= index < len(text) and _WORD_RE.match(text, index) is not None


def split_words(term: str) -> list[str]:
    return [w for w in re.split(rf"[\s{HYPHENS}]+", term.strip()) if w]


def head_key(term: str) -> str:
    """The automaton key of a term: its first word, folded."""
    words = split_words(term)
    return fold(words[0]) if words else ""


def default_case_sensitive(term: str) -> bool:
    """All-caps terms of up to five letters ("AI", "SAP", "BASF") are case-sensitive."""
    letters = [c for c in term if c.isalpha()]
    return 0 < len(letters) <= 5 and all(c.isupper() for c in letters)


def is_acronym(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _word(word: str, *, case_sensitive: bool, first: bool) -> str:
    if not case_sensitive:
        return f"(?i:{re.escape(word)})"
    initial = word[0]
    upper = initial.upper()
    if first and initial.islower() and len(upper) == 1:
        # a case-sensitive term may still open a sentence: "Künstliche Intelligenz"
        return f"[{re.escape(initial)}{re.escape(upper)}]{re.escape(word[1:])}"
    return re.escape(word)


def _suffix(word: str, inflection: Inflection, *, acronym: bool) -> str:
    if word[-1:].lower() in ("s", "x", "z"):
        # "Siemens'" — no second s
        return rf"(?:[{APOSTROPHES}]{_NOT_WORD_AHEAD})?"
    if inflection is Inflection.NAME or acronym:
        # acronyms take a lowercase s only: "LLMs", "SAPs", but not "AIS"
        return f"(?:{_POSSESSIVE}|s)?"
    return f"(?:{_POSSESSIVE}|(?i:es|en|e|n|s))?"


def term_pattern(term: str, *, case_sensitive: bool, inflection: Inflection) -> re.Pattern[str]:
    """The pattern of a name or keyword, from its first letter to its right boundary.

    Every word but the last may take a German adjective ending ("Deutschen Bank",
    "künstlicher Intelligenz"); the last takes the suffixes of `inflection`; a hyphen
    compound tail follows ("Nvidia-Aktie", "KI-Modelle").
    """
    words = split_words(term)
    if not words:
        raise ValueError("empty term")
    acronym = is_acronym(term)
    parts: list[str] = []
    for i, word in enumerate(words):
        if i:
            parts.append(_JOINT)
        parts.append(_word(word, case_sensitive=case_sensitive, first=i == 0))
        if i < len(words) - 1 and word[-1:] == "e":
            parts.append("(?:[nrsm])?" if case_sensitive else "(?i:[nrsm])?")
    last = words[-1]
    core = "".join(parts)
    suffix = _suffix(last, inflection, acronym=acronym)
    return re.compile(f"(?P<core>{core}){suffix}{_TAIL}{_NOT_WORD_AHEAD}")


def symbol_pattern(symbol: str, *, case_sensitive: bool) -> re.Pattern[str]:
    """A ticker symbol as written after `$` or an exchange, or bare ("NVDA-Aktie", "SAPs")."""
    sym = re.escape(symbol) if case_sensitive else f"(?i:{re.escape(symbol)})"
    return re.compile(f"(?P<core>{sym})(?:{_POSSESSIVE}|s)?{_TAIL}{_NOT_WORD_AHEAD}(?!\\$)")


_EXCHANGE_NAMES = "|".join(re.escape(e).replace("\\ ", "[ \t]+") for e in EXCHANGES)
_EXCHANGE_BEFORE = re.compile(
    rf"(?<!{WORD})(?i:{_EXCHANGE_NAMES})[ \t\u00a0]?:[ \t\u00a0]?\Z"
)
_EXCHANGE_LOOKBACK = 16


def exchange_start(text: str, start: int) -> int | None:
    """Start of an exchange prefix ending right before `start` ("NASDAQ: "), if any."""
    window_start = max(0, start - _EXCHANGE_LOOKBACK)
    found = _EXCHANGE_BEFORE.search(text, window_start, start)
    return found.start() if found else None


# A price move written right after a cashtag or name: "(-3,37 %)", "(+1.2%)", "+5%".
_SP = "[ \t\u00a0]*"
_NUM = r"\d{1,4}(?:[.,]\d{1,3})?"
_UNIT = rf"{_SP}(?:%|Prozent|percent|pct\b)"
_SIGN = "[+\\-\u2212\u2013\u00b1]"
_MOVE = re.compile(
    # an optional ")" first: "Apple (AAPL) (+2 %)"
    rf"{_SP}(?:\){_SP})?(?:\({_SP}(?P<psign>{_SIGN}?){_SP}(?P<pnum>{_NUM}){_UNIT}{_SP}\)"
    rf"|(?P<sign>{_SIGN})(?P<num>{_NUM}){_UNIT}(?!{WORD}))"
)


def move_after(text: str, end: int) -> float | None:
    """The signed percent move written right after `end`, or None."""
    found = _MOVE.match(text, end)
    if found is None:
        return None
    sign = found.group("psign") if found.group("pnum") is not None else found.group("sign")
    number = found.group("pnum") or found.group("num")
    value = float(number.replace(",", "."))
    if not sign or sign == "\u00b1":
        # "(80 %)" after a name is more likely a share than a move; "(0,00 %)" is a move
        return 0.0 if value == 0 else None
    return -value if sign in "-\u2212\u2013" else value
