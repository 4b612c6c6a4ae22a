"""Regular expressions for one watchlist term: its words, inflection, compounds, boundaries.

A term pattern is applied with `pattern.match(text, start)` at a position where the
automaton in `matching` found the term's first word. It matches the term (named group
`core`) and its inflection suffix; `extend_right` then adds a compound tail and checks the
right boundary. The left boundary is the caller's. Patterns carry no word-character class
of their own: those are slow to compile, and a watchlist may have thousands of terms.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from enum import Enum

from bot.core.lexicon import APOSTROPHES, EXCHANGES, HYPHENS, WORD_CHAR_CLASS

WORD = f"[{WORD_CHAR_CLASS}]"
_WORD_RE = re.compile(WORD)
_WORD_RUN = re.compile(f"{WORD}+")
# words of a multi-word term may be joined by spaces or hyphens ("Deutsche-Bank-Aktie")
_JOINT = rf"(?:\s+|[{HYPHENS}])"
# a compound tail: "-Aktie", "-Chef", "-Benz-Konzern"
_TAIL_RE = re.compile(rf"(?:[{HYPHENS}]{WORD}+)*")
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


_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def spellings(term: str) -> tuple[str, ...]:
    """The term, and as written without umlauts or accents: feeds transliterate
    ("Kuenstliche Intelligenz"), English text drops accents ("Nestle")."""
    variants = [term, term.translate(_TRANSLITERATION)]
    stripped = unicodedata.normalize("NFKD", term)
    variants.append("".join(c for c in stripped if not unicodedata.combining(c)))
    return tuple(dict.fromkeys(v for v in variants if v.strip()))


ASCII_WORD_CHARS = frozenset("0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_WORD = ASCII_WORD_CHARS


def is_word_char(text: str, index: int) -> bool:
    if not 0 <= index < len(text):
        return False
    char = text[index]
    # the regex only for non-ASCII: this runs for every candidate the matcher checks
    return char in _ASCII_WORD if char < "\x80" else _WORD_RE.match(char) is not None


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
        # "Siemens'", "Netflix's" — but no bare second s
        return f"(?:{_POSSESSIVE}|[{APOSTROPHES}])?"
    if acronym:
        # acronyms take a lowercase s only: "LLMs", "SAPs", but not "AIS"
        return f"(?:{_POSSESSIVE}|s)?"
    if inflection is Inflection.NAME:
        return f"(?:{_POSSESSIVE}|(?i:s))?"  # "Nvidias", "NVIDIAS"
    return f"(?:{_POSSESSIVE}|(?i:es|en|e|n|s))?"


@functools.lru_cache(maxsize=4096)  # watchlists are recompiled when subscriptions change
def term_pattern(term: str, *, case_sensitive: bool, inflection: Inflection) -> re.Pattern[str]:
    """The pattern of a name or keyword with its inflection suffix.

    Every word but the last may take a German adjective ending ("Deutschen Bank",
    "künstlicher Intelligenz"); the last takes the suffixes of `inflection`.
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
    return re.compile(f"(?P<core>{core}){suffix}")


def extend_right(text: str, end: int) -> int | None:
    """The end of the compound tail after `end` ("-Aktie"), or None when a word goes on.

    A longer suffix alternative never needs to give way to a shorter one here: the shorter
    one would leave a letter of the longer one as the next character.
    """
    # most terms end at a space or punctuation: no compound tail to look for
    stop = _match_end(_TAIL_RE, text, end) if text[end : end + 1] in _HYPHEN_SET else end
    if stop == end and is_word_char(text, end):
        if not (text[end - 1].islower() and text[end].isupper()):
            return None  # "Metall", "Siemensstadt", "AIXTRON"
        # a camel-case fusion is a compound too: "MetaAI", "DeepSeekR1"
        stop = _match_end(_TAIL_RE, text, _match_end(_WORD_RUN, text, end))
    return stop


_HYPHEN_SET = frozenset(HYPHENS)


def _match_end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    found = pattern.match(text, pos)
    return found.end() if found else pos


_EXCHANGE_NAMES = "|".join(re.escape(e).replace("\\ ", "[ \t]+") for e in EXCHANGES)
_EXCHANGE_BEFORE = re.compile(rf"(?<!{WORD})(?i:{_EXCHANGE_NAMES})[ \t\u00a0]?:[ \t\u00a0]?\Z")
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


_MOVE_START = frozenset("(+-\u2212\u2013\u00b1")
_MOVE_FIRST = _MOVE_START | frozenset(" \t\u00a0)")
# the second character of a move: "( -3 %)", " (+1 %)", "+5%", "-0,8 Prozent"; or the end
_MOVE_NEXT = _MOVE_FIRST | frozenset("0123456789") | {""}


def move_after(text: str, end: int) -> float | None:
    """The signed percent move written right after `end`, or None."""
    # a move starts, after blanks and perhaps a ")", with "(" or a sign: test that first,
    # and before that the very next character (a name is mostly followed by a word)
    if text[end : end + 1] not in _MOVE_FIRST or text[end + 1 : end + 2] not in _MOVE_NEXT:
        return None
    if text[end : end + 12].lstrip(" \t\u00a0)")[:1] not in _MOVE_START:
        return None
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
