"""Reference aliases: the names a reader writes for a listed company. Pure, no I/O.

`short_names(company)` turns a registry name into those forms; `build_reference(rows)`
turns (symbol, company name, index) rows into symbol → names for the matcher (#3).

Rules of `short_names`, in order:
1. Bracketed notes and share classes go: "Puma (brand)", "(The)", "Alphabet Inc. Class A".
2. Legal-form and group suffixes are stripped from the end one at a time: "Mercedes-Benz
   Group AG" → "Mercedes-Benz Group" → "Mercedes-Benz"; then the same without a leading
   "The". The name is the last of these forms that is not an everyday word: "Target
   Corporation" stays, "Target" would match the noun; "The Hartford" keeps its article.
   When even the full name is an everyday word, there is no name at all.
3. An all-caps word of six or more letters with a vowel is a stylised word, not an acronym:
   "NVIDIA" → "Nvidia"; shorter ones are acronyms and stay ("BASF", "SAP", "KION").
4. When the name ends in descriptor words ("Platforms", "Technologies", "International" …),
   the name without them is a second form: "Meta Platforms" → also "Meta", "Philip Morris
   International" → also "Philip Morris". Not when that form is an everyday word
   ("Charter Communications" gives no "Charter") or shorter than three letters.
Words are split at spaces only, so hyphenated names stay whole ("Mercedes-Benz").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from bot.core.lexicon import COMMON_WORDS

# Collisions: a symbol listed for different companies in several indices goes to the
# company of the first index here. Large caps before mid and small caps (they are in the
# news more); among large caps the home market first, so DTE is Deutsche Telekom and not
# DTE Energy. Indices not listed come after these, alphabetically.
INDEX_PRIORITY: tuple[str, ...] = ("DAX", "S&P 500", "NASDAQ 100", "MDAX", "TecDAX", "SDAX")

# Exchange suffixes of registry symbols ("SIE.DE", "SIE.F", "AIR.PA.DE"). One-letter share
# classes ("BRK.B") are part of the symbol and stay; "F" is Frankfurt, not a class.
_EXCHANGE_SUFFIXES = frozenset(
    {"DE", "F", "PA", "MC", "AS", "L", "ME", "MI", "SW", "BR", "VI", "HE", "ST", "CO", "OL"}
)

# Legal forms and group words, as word sequences compared without dots and commas, in
# lowercase; longer sequences first so "SE & Co. KGaA" goes in one step.
_LEGAL_SUFFIXES: tuple[tuple[str, ...], ...] = tuple(
    tuple(s.split())
    for s in (
        "se & co kgaa", "ag & co kgaa", "gmbh & co kgaa", "& co kgaa", "gmbh & co kg",
        "& co kg", "& co", "& plc", "kgaa", "gmbh", "ag", "se", "kg", "inc", "incorporated",
        "corporation", "corp", "co", "company", "companies", "ltd", "limited", "plc", "nv",
        "sa", "spa", "ab", "asa", "a/s", "oyj", "llc", "lp", "holding", "holdings", "group",
    )
)  # fmt: skip
_SHARE_CLASS = re.compile(
    r"[\s,-]*\b(?:Class|Series)\s+[A-Z]\b\.?|[\s,-]*\b(?:Common Stock|Ordinary Shares|ADR)\b",
    re.IGNORECASE,
)
_CONNECTORS = frozenset({"&", "and", "und"})
_BRACKETS = re.compile(r"\s*\([^()]*\)")
_VOWEL = re.compile(r"[AEIOUYÄÖÜ]")

# Trailing words that describe the line of business; what stands before them is the name.
_DESCRIPTOR_WORDS = """
platforms technologies technology semiconductors semiconductor networks software
pharmaceuticals therapeutics biosciences laboratories sciences industries interactive
solutions worldwide international systems brands resources markets media electronics
entertainment enterprise enterprises motor motors
"""
_DESCRIPTORS = frozenset(_DESCRIPTOR_WORDS.split())

# COMMON_WORDS lists a few company names as ordinary words on purpose (see its comment);
# the matcher guards these names already (case rule, NAME_CONFUSERS), so they may stand.
_LEXICON_BRANDS = frozenset(
    {"apple", "amazon", "oracle", "alphabet", "intel", "snowflake", "meta", "allianz"}
)
# Names that, capitalised, are mostly something else in German or English news: nouns,
# adjectives, places, first names and index names. Curated from the DAX/MDAX/TecDAX/SDAX,
# S&P 500 and NASDAQ 100 names.
_RISKY_WORDS = """
target ball gap match visa block pool progressive southern public booking charter
carnival fox dover everest mosaic waters travelers cooper republic quanta regions
citizens principal cincinnati edison american general united first national global
universal microchip zebra tyler align vertex yum! norma patrizia rational nasdaq texas
west constellation hartford williams jacobs
"""
_RISKY = frozenset([*_RISKY_WORDS.split(), "palo alto", "charles river", "public service"])
EVERYDAY_WORDS: frozenset[str] = (
    (COMMON_WORDS["de"] | COMMON_WORDS["en"]) - _LEXICON_BRANDS
) | _RISKY

_MIN_DERIVED_LETTERS = 3


class ReferenceRow(NamedTuple):
    symbol: str  # as the registry writes it: "SIE.DE", "AAPL", "BRK.B"
    name: str  # "Siemens", "Apple Inc."
    index_name: str  # "DAX", "S&P 500" (`index` is taken by tuple)


@dataclass(frozen=True, slots=True)
class Collision:
    """One symbol listed for different companies; `kept` won by INDEX_PRIORITY."""

    symbol: str
    kept: ReferenceRow
    dropped: tuple[ReferenceRow, ...]


def short_names(company_name: str) -> tuple[str, ...]:
    """The forms a reader writes, name first: "Meta Platforms, Inc." → ("Meta Platforms",
    "Meta"); () when every form is an everyday word."""
    text = _SHARE_CLASS.sub("", _BRACKETS.sub("", " ".join(company_name.split())))
    text = text.strip(" ,-")
    words = [_restyle(w) for w in text.split()]
    if not words:
        return ()
    forms = _suffix_chain(words)
    if len(words) > 1 and words[0] == "The":
        # "The Coca-Cola Company" → "Coca-Cola"; "The Hartford" keeps its article
        forms += _suffix_chain(words[1:])
    usable = [f for f in forms if not _is_everyday(f)]
    if not usable:
        return ()
    name = usable[-1]
    result = [_join(name)]
    derived = name
    while len(derived) > 1 and _bare(derived[-1]) in _DESCRIPTORS:
        derived = derived[:-1]
    if derived is not name and not _is_everyday(derived):
        letters = sum(c.isalpha() for c in _join(derived))
        if letters >= _MIN_DERIVED_LETTERS:
            result.append(_join(derived))
    return tuple(result)


def base_symbol(symbol: str) -> str:
    """The symbol without exchange suffixes: "SIE.DE" → "SIE", "AIR.PA.DE" → "AIR"."""
    parts = symbol.strip().upper().split(".")
    while len(parts) > 1 and parts[-1] in _EXCHANGE_SUFFIXES:
        parts.pop()
    return ".".join(parts)


def build_reference(rows: Iterable[tuple[str, str, str]]) -> dict[str, tuple[str, ...]]:
    """Symbol → short names. A symbol of several companies goes to the one of the first
    index in INDEX_PRIORITY (see `find_collisions`); a second form ("Meta") that is also a
    name of another company is dropped, the company's own name stays."""
    winners = _winners(rows)
    names = {symbol: short_names(row.name) for symbol, (row, _) in winners.items()}
    owners: dict[str, set[str]] = {}  # folded form → the companies (first names) using it
    for forms in names.values():
        for form in forms:
            owners.setdefault(form.casefold(), set()).add(forms[0])
    return {
        symbol: tuple(
            f for i, f in enumerate(forms) if i == 0 or owners[f.casefold()] == {forms[0]}
        )
        for symbol, forms in sorted(names.items())
    }


def find_collisions(rows: Iterable[tuple[str, str, str]]) -> tuple[Collision, ...]:
    """Symbols listed for companies with different names, with the row that wins."""
    return tuple(
        Collision(symbol=symbol, kept=row, dropped=dropped)
        for symbol, (row, dropped) in sorted(_winners(rows).items())
        if dropped
    )


def _winners(
    rows: Iterable[tuple[str, str, str]],
) -> dict[str, tuple[ReferenceRow, tuple[ReferenceRow, ...]]]:
    """Per base symbol: the winning row and the rows of other companies it beat."""
    ordered = sorted((ReferenceRow(*r) for r in rows), key=lambda r: _index_rank(r.index_name))
    result: dict[str, tuple[ReferenceRow, tuple[ReferenceRow, ...]]] = {}
    for row in ordered:  # sorted() is stable: within an index the registry order holds
        symbol = base_symbol(row.symbol)
        if not symbol or not row.name.strip():
            continue
        if symbol not in result:
            result[symbol] = (row, ())
            continue
        kept, dropped = result[symbol]
        seen = {short_names(r.name) for r in (kept, *dropped)}
        if short_names(row.name) not in seen:  # the same company in another index is no clash
            result[symbol] = (kept, (*dropped, row))
    return result


def _index_rank(index_name: str) -> tuple[int, str]:
    if index_name in INDEX_PRIORITY:
        return INDEX_PRIORITY.index(index_name), ""
    return len(INDEX_PRIORITY), index_name


def _suffix_chain(words: list[str]) -> list[list[str]]:
    """The words, then each shorter form with one more legal suffix stripped."""
    forms = [words]
    while (shorter := _strip_legal(forms[-1])) is not None:
        forms.append(shorter)
    return forms


def _strip_legal(words: list[str]) -> list[str] | None:
    """The words without one trailing legal form, or None when there is none to strip."""
    bare = [_bare(w) for w in words]
    for suffix in _LEGAL_SUFFIXES:
        n = len(suffix)
        if len(words) > n and tuple(bare[-n:]) == suffix:
            rest = words[:-n]
            # "Eli Lilly and Company", "McCormick & Company": the joint goes with it
            if len(rest) > 1 and _bare(rest[-1]) in _CONNECTORS:
                rest = rest[:-1]
            return rest
    return None


def _bare(word: str) -> str:
    return word.replace(".", "").replace(",", "").casefold()


def _join(words: list[str]) -> str:
    # "Block, Inc." as a fallback form keeps its comma but not the final period, so that
    # "Visa Inc" and "Visa Inc." both match
    return " ".join(words).rstrip(",").removesuffix(".")


def _is_everyday(words: list[str]) -> bool:
    return " ".join(words).rstrip(",.").casefold() in EVERYDAY_WORDS


def _restyle(word: str) -> str:
    """A stylised all-caps word in title case: "NVIDIA" → "Nvidia", "MERCEDES-BENZ" →
    "Mercedes-Benz"; acronyms (under six letters, or without a vowel) stay."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 6 or not all(c.isupper() for c in letters) or not _VOWEL.search(word):
        return word
    return "-".join(part[:1] + part[1:].lower() for part in word.split("-"))
