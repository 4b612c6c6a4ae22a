"""The fast scan: automaton keys that already carry word boundaries, and the text they run on.

A first version keyed the automaton by each term's bare first word. At 10,000 watchlist
entries that reported ~3 million positions per 2 MB of news (every word starting with "t"
for the symbol T, every "new" for dozens of "New …" names), each checked in Python, and
throughput fell by 12× from 100 to 10,000 entries. Now the boundaries are part of the keys.

The scan text is the original with every non-word character except `$` and `:` replaced by
a space, padded with one space at each end: same length, so offsets map back by -1. Two
automata run over it:
- folded (the scan text lowercased): name and keyword keys start with a space (a left word
  boundary) and hold the whole term, words joined by one space: `" siemens energy"` matches
  "Siemens Energy", "Siemens-Energy" and "Siemens\nEnergy" (not "Siemens  Energy" with two
  spaces: `html_to_text` collapses those). A last word of four letters or more is a prefix
  key (inflection, compound tail, camel-case fusion are checked in Python); a shorter one
  lists its endings with a right boundary: `" ki "`, `" kis "`, `" ki:"`. Cashtag keys are
  `"$snow "`, `"$snows "`, `"$snow:"`.
- cased: names (which need a capital) and case-sensitive terms in the spellings people
  write (as listed, Title Case, first word capitalised, ALL CAPS), bare symbols `" SNOW "`
  (only where a bare symbol can count at all) and exchange-qualified ones `":SNOW "`,
  `": SNOW "`: lowercase words ("snow", "apple", "now") and one-letter words ("A", "U.S.")
  never reach Python.
- A camel-case seam ("MetaAI"): a one-word term of 3–5 letters also has a seam key
  (`" meta"`, folded scan) whose hits count only where a capital follows in the original.

Every reported position then goes through the same checks as before (`match_specs`), so the
fast scan changes what is looked at, not what matches. `why` keeps the first-word scan,
which sees the near misses ("Kiel", "said") the fast scan skips by design.
"""

from __future__ import annotations

import itertools
import re
from enum import Enum

from bot.core.lexicon import FUSED_ACRONYM_PREFIXES, WORD_CHAR_CLASS
from bot.core.term_patterns import Inflection, fold, is_acronym, split_words

# Spaces are already spaces: leaving them out of the class makes the substitution 3× faster
# (a typical article has ~400 spaces and ~50 other non-word characters).
_NON_WORD = re.compile(f"[^{WORD_CHAR_CLASS}$: ]")
PREFIX_MIN = 6  # a last word this long is a prefix key
_MAX_VARIANTS = 32  # adjective-ending combinations of one multi-word term
_BOUNDARIES = (" ", ":")  # what may follow a short last word or a symbol in the scan text

# Endings a short last word may take before the boundary (see term_patterns._suffix).
_NAME_ENDINGS = ("", "s")
_KEYWORD_ENDINGS = ("", "s", "e", "n", "en", "es")


def scan_text(original: str) -> str:
    """The cased scan text; `.lower()` of it is the folded one (see `fold`)."""
    return f" {_NON_WORD.sub(' ', original)} "


class Casing(Enum):
    """How a term's letter case is checked, and so which scan its keys go into."""

    ANY = "any"  # case-insensitive keywords and excludes: the folded scan
    EXACT = "exact"  # case-sensitive ("KI", "SAP"); a capital first letter is tolerated
    CAPITALISED = "capitalised"  # names: any case but all-lowercase ("Nvidia", "NVIDIA")


Key = tuple[str, int]  # (automaton key, offset of the term's first character in it)


def _marked(word: str) -> str:
    return _NON_WORD.sub(" ", fold(word)).strip()


def _forms(words: list[str], casing: Casing) -> list[list[str]]:
    """The spellings a cased key is made for. CAPITALISED covers the usual ways of writing a
    name: as listed, Title Case, only the first word capitalised, ALL CAPS."""
    if casing is Casing.EXACT:
        forms = [words, [words[0][:1].upper() + words[0][1:], *words[1:]]]
    else:
        title = [w[:1].upper() + w[1:].lower() for w in words]
        forms = [words, title, [title[0], *(w.lower() for w in words[1:])],
                 [w.upper() for w in words]]
    unique: dict[tuple[str, ...], list[str]] = {tuple(f): f for f in forms}
    return list(unique.values())


def _variants(word: str, *, last: bool, endings: tuple[str, ...]) -> list[str]:
    if word.isupper():
        endings = (*endings, *(e.upper() for e in endings if e))
    if not last:
        # German adjective endings on every word but the last: "künstlicher Intelligenz"
        if word[-1:].lower() != "e":
            return [word]
        extra = "NRSM" if word.isupper() else "nrsm"
        return [word, *(word + e for e in extra)]
    if len(word) >= PREFIX_MIN:
        return [word]  # prefix: the rest of the word is checked in Python
    return [f"{word}{ending}{b}" for ending in endings for b in _BOUNDARIES]


def _phrases(words: list[str], endings: tuple[str, ...]) -> list[str]:
    options = [
        _variants(w, last=i == len(words) - 1, endings=endings) for i, w in enumerate(words)
    ]
    return [" ".join(p) for p in itertools.islice(itertools.product(*options), _MAX_VARIANTS)]


def term_keys(
    term: str, *, inflection: Inflection, fused_prefix_ok: bool, casing: Casing
) -> tuple[list[Key], list[Key]]:
    """The term's keys for the folded scan and for the cased scan."""
    endings: tuple[str, ...]
    if inflection is Inflection.KEYWORD and not is_acronym(term):
        endings = _KEYWORD_ENDINGS
    else:
        endings = _NAME_ENDINGS
    if casing is Casing.ANY:
        words = [w for w in (_marked(w) for w in split_words(term)) if w]
        forms = [words] if words else []
    else:
        words = [w for w in (_NON_WORD.sub(" ", w).strip() for w in split_words(term)) if w]
        forms = _forms(words, casing) if words else []
    keys: list[Key] = []
    for form in forms:
        phrases = _phrases(form, endings)
        keys += [(f" {p}", 1) for p in phrases]
        if fused_prefix_ok:
            for pre in FUSED_ACRONYM_PREFIXES:
                spellings = {pre} if casing is Casing.ANY else {pre, pre.title(), pre.upper()}
                keys += [(f" {s}{p}", 1 + len(s)) for s in sorted(spellings) for p in phrases]
    return (keys, []) if casing is Casing.ANY else ([], keys)


def camel_head(term: str) -> str | None:
    """The folded one-word term of 3 to 5 letters that becomes a seam key: a prefix key that
    counts only where a capital follows ("MetaAI"). Longer words are prefix keys anyway;
    two-letter names ("On") fused with a capital are not worth a key on every "on…" word."""
    words = split_words(term)
    if len(words) != 1 or not 3 <= len(words[0]) < PREFIX_MIN:
        return None
    if not words[0][-1:].islower():
        return None  # an acronym ("SAP") has no lowercase-to-capital seam
    return fold(words[0])


def cashtag_keys(symbol: str) -> list[tuple[str, int]]:
    """Keys of `$SYMBOL` for the folded scan."""
    marked = _marked(symbol)
    if not marked:
        return []
    return [(f"${marked}{e}{b}", 1) for e in _NAME_ENDINGS for b in _BOUNDARIES]


def symbol_keys(symbol: str, *, bare: bool) -> list[tuple[str, int]]:
    """Keys of the exchange-qualified symbol, and of the bare one when it may count, for
    the cased scan."""
    marked = _NON_WORD.sub(" ", symbol).strip()
    if not marked:
        return []
    # "NASDAQ:NVDA", "NASDAQ: NVDA" (then a boundary); bare "NVDA", "SAPs", "SAP:"
    keys = [(f":{marked} ", 1), (f": {marked} ", 2)]
    if bare:
        keys += [(f" {marked}{e}{b}", 1) for e in _NAME_ENDINGS for b in _BOUNDARIES]
    return keys
