"""What the matcher knows about one compiled term, and how it checks a candidate position.

The automaton in `matching` proposes positions where a term's first word (or a symbol)
occurs, folded to lowercase; a spec decides whether a real hit starts there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from bot.core.lexicon import (
    APOSTROPHES,
    FUSED_ACRONYM_PREFIXES,
    HYPHENS,
    NAME_KEEPING_PREFIXES,
)
from bot.core.models import MatchKind
from bot.core.term_patterns import ASCII_WORD_CHARS as _ASCII_WORD
from bot.core.term_patterns import exchange_start, extend_right, fold, is_word_char


class Role(Enum):
    NAME = "name"  # a company name of a ticker
    KEYWORD = "keyword"
    EXCLUDE = "exclude"  # a phrase that cancels the hits of its key it overlaps
    CASHTAG = "cashtag"  # "$SNOW" or "NASDAQ: NVDA"
    BARE = "bare"  # "NVDA" as a word
    REGEX = "regex"  # a keyword's regular expression


class Miss(Enum):
    """Why a candidate position is not a hit: what `newsbot why` reports as a near miss.

    The hot path only compares the class of a spec's answer (Hit or Miss), so reasons cost
    nothing when nobody asks for them."""

    INSIDE_WORD = "inside-word"  # a letter before it: "said" for AI, "OpenAI", "RKI"
    WORD_GOES_ON = "word-goes-on"  # a letter after it: "Kiel" for KI, "metal" for Meta
    CASE = "case"  # written in the wrong case: "ki", "apple"
    INCOMPLETE = "incomplete"  # only the start of a multi-word term: "Deutsche Börse"
    COMPOUND_TAIL = "compound-tail"  # an everyday word ending a compound: "KI-Allianz"
    CURRENCY = "currency"  # "US$", "$5"
    BARE_OFF = "bare-off"  # bare symbols switched off for this entry
    BARE_LOWERCASE = "bare-lowercase"  # a bare symbol not written in capitals
    COMMON_WORD = "common-word"  # a bare symbol that is an everyday word: "SNOW", "NOW"
    SHORT_SYMBOL = "short-symbol"  # a single-letter bare symbol
    EXCLUDED = "excluded"  # an exclude phrase of the entry covers it
    SHADOWED = "shadowed"  # part of another ticker's longer name: "Siemens Energy"
    BRACKET_TICKER = "bracket-ticker"  # "(AI)" right after a company name is its symbol
    TIMEOUT = "timeout"  # a regex term ran out of time on this text


# which of several hits of one key at one position names it best
PRIORITY = {
    Role.CASHTAG: 0,
    Role.NAME: 1,
    Role.KEYWORD: 1,
    Role.REGEX: 1,
    Role.BARE: 2,
    Role.EXCLUDE: 3,
}


class Hit(NamedTuple):
    """A candidate that passed its term's checks (a tuple: made thousands of times per
    second, and a frozen dataclass costs several times as much to create)."""

    key: str
    kind: MatchKind
    role: Role
    start: int
    end: int  # with inflection and compound tail: "Nvidia-Aktie"
    core_start: int  # the term itself: "Nvidia"
    core_end: int

    @property
    def priority(self) -> int:
        return PRIORITY[self.role]


# The hot path builds hits with the tuple constructor: a NamedTuple's keyword `__new__` is a
# Python function and cost a third of a microsecond per hit at 10,000 entries.
_new_hit = tuple.__new__
_NAME = Role.NAME  # a module global is found faster than an Enum class attribute


@dataclass(frozen=True, slots=True)
class TermSpec:
    """A name, keyword or exclude phrase."""

    key: str
    kind: MatchKind
    role: Role
    pattern: re.Pattern[str]  # see term_patterns.term_pattern
    needs_capital: bool  # an all-lowercase spelling is an ordinary word: "apple", "intel"
    fused_prefix_ok: bool  # an acronym that may follow "Gen": "GenAI"
    plain: str  # the term folded, for the common-word rules
    case_sensitive: bool = False  # the pattern checks case exactly ("KI", "SAP")

    def find(self, text: str, start: int, common: frozenset[str], why: bool = False) -> Hit | Miss:
        hit_start = start
        # is_word_char(text, start - 1) and (below) extend_right, inlined for the common
        # case of plain ASCII around the term: this runs for every candidate
        before = text[start - 1] if start else " "
        if before in _ASCII_WORD if before < "\x80" else is_word_char(before, 0):
            fused = _fused_prefix_start(text, start) if self.fused_prefix_ok else None
            if fused is None:
                return Miss.INSIDE_WORD  # "OpenAI", "RKI", "Rheinmetall", "xAI"
            hit_start = fused
        found = self.pattern.match(text, start)
        if found is None:
            # the precise reason costs a second look: only `why` wants it
            return self._why_no_pattern(text, start) if why else Miss.WORD_GOES_ON
        found_end = found.end()
        after = text[found_end : found_end + 1]
        if after < "\x80" and after not in _ASCII_WORD and after != "-":
            end: int | None = found_end  # a space, punctuation or the end: no tail
        else:
            end = extend_right(text, found_end)
            if end is None:
                return Miss.WORD_GOES_ON
        core_end = found.end(1)  # the group "core"
        if self.needs_capital:
            core = text[start:core_end]
            if core.lower() == core:
                return Miss.CASE
        if (
            self.role is _NAME
            and hit_start == start
            and self.plain in common
            and _ends_compound(text, start)
            and end == found_end
        ):
            # an everyday word as the last part of a compound is that word: "KI-Allianz"
            return Miss.COMPOUND_TAIL
        # Hit(key, kind, role, start, end, core_start, core_end)
        hit: Hit = _new_hit(Hit, (self.key, self.kind, self.role, hit_start, end, start, core_end))
        return hit


    def _why_no_pattern(self, text: str, start: int) -> Miss:
        """Only on the slow path: the automaton saw the first word, the pattern said no."""
        folded = fold(text[start : start + len(self.plain)])
        if folded == self.plain:
            return Miss.WORD_GOES_ON if is_word_char(text, start + len(self.plain)) else Miss.CASE
        head = self.plain.split()[0] if " " in self.plain else self.plain
        after = start + len(head)
        if fold(text[start:after]) == head and not is_word_char(text, after):
            return Miss.INCOMPLETE if len(head) < len(self.plain) else Miss.CASE
        return Miss.WORD_GOES_ON


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """A ticker symbol: as a cashtag, after an exchange prefix, or bare.

    Plain string checks, no regex: the automaton has already found the symbol (in any
    case) at `start`, and a watchlist may hold thousands of symbols.
    """

    key: str
    letters: int
    bare: bool | None  # the TickerEntry's force on/off
    folded: str = ""  # (derived from key in `build`: looked up for every candidate)
    length: int = 0

    @property
    def may_be_bare(self) -> bool:
        """Whether a bare mention can ever count (the common-word test comes later)."""
        return self.bare is True or (self.bare is None and self.letters >= 2)

    @classmethod
    def build(cls, *, key: str, bare: bool | None) -> SymbolSpec:
        return cls(key=key, letters=sum(c.isalpha() for c in key), bare=bare, folded=fold(key),
                   length=len(key))

    def find(self, text: str, start: int, common: frozenset[str], why: bool = False) -> Hit | Miss:
        before = text[start - 1] if start else ""
        if before == "$":
            # "$SNOW" or "$snow", but not "US$…" or "$$"
            if is_word_char(text, start - 2) or text[start - 2 : start - 1] == "$":
                return Miss.CURRENCY
            return self._hit(text, start - 1, start, Role.CASHTAG)
        if before and (before in _ASCII_WORD if before < "\x80" else is_word_char(before, 0)):
            return Miss.INSIDE_WORD
        # the regex look-back only where a colon stands close before: "NASDAQ: NVDA"
        if ":" in text[max(0, start - 3) : start]:
            exchange = exchange_start(text, start)
            if exchange is not None:
                return self._hit(text, exchange, start, Role.CASHTAG)
        if self.bare is False:
            return Miss.BARE_OFF
        if text[start : start + self.length] != self.key:
            return Miss.BARE_LOWERCASE  # a bare symbol is written in capitals, as listed
        if self.bare is None and self.letters < 2:
            return Miss.SHORT_SYMBOL  # single letters are noise
        if self.bare is None and self.folded in common:
            return Miss.COMMON_WORD  # "SNOW", "NOW", "IT" are words
        return self._hit(text, start, start, Role.BARE)

    def _hit(self, text: str, start: int, core: int, role: Role) -> Hit | Miss:
        core_end = core + self.length
        suffix_end = core_end
        if text[core_end : core_end + 2] in _POSSESSIVES:
            suffix_end += 2  # "$NVDA's"
        elif text[core_end : core_end + 1] == "s":
            suffix_end += 1  # "SAPs"
        tail_end = extend_right(text, suffix_end)
        if tail_end is None:
            return Miss.WORD_GOES_ON  # "SNOWX"
        if text[tail_end : tail_end + 1] == "$":
            return Miss.CURRENCY  # "US$"
        # a cashtag ends with the symbol; a bare symbol keeps its compound ("NVDA-Aktie")
        end = core_end if role is Role.CASHTAG else tail_end
        # Hit(key, kind, role, start, end, core_start, core_end)
        hit: Hit = _new_hit(Hit, (self.key, "ticker", role, start, end, core, core_end))
        return hit


_POSSESSIVES = tuple(f"{a}s" for a in APOSTROPHES)

Spec = TermSpec | SymbolSpec


def _fused_prefix_start(text: str, start: int) -> int | None:
    """Start of "Gen" in "GenAI" when that prefix is itself a whole word start."""
    for prefix in FUSED_ACRONYM_PREFIXES:
        begin = start - len(prefix)
        if begin >= 0 and fold(text[begin:start]) == prefix and not is_word_char(text, begin - 1):
            return begin
    return None


def _ends_compound(text: str, start: int) -> bool:
    """True when `start` follows "word-", the term being the tail of a hyphen compound
    ("KI-Allianz"); prefixes like "ex-" do not count ("ex-Apple designer")."""
    if start < 2 or text[start - 1] not in HYPHENS or not is_word_char(text, start - 2):
        return False
    begin = start - 1
    while is_word_char(text, begin - 1):
        begin -= 1
    return fold(text[begin : start - 1]) not in NAME_KEEPING_PREFIXES
