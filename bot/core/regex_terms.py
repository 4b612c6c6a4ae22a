"""Regular-expression terms of a keyword, for what plain words cannot say ("GPT-4o",
"GPT-4.1", "Llama 3.3"): `{key: GPT, terms: [GPT], regex: ['GPT-?4(?:o|\\.\\d)?']}`.

A watchlist is user input and a pattern like `(a|aa)+$` backtracks for ever on the wrong
text. The `regex` module lets every search carry a timeout, so one bad pattern costs at most
`TIMEOUT_S` per field of an article and never stalls the poller; such a text simply does not
match that term (and `newsbot why` says so). Regex terms are not in the automaton: each one
is a search over the text, so keep them few.

Rules: the pattern must match whole words (the boundary is added here), is case-sensitive
unless the entry says `case_sensitive: false` or the pattern carries `(?i)`, and is at most
`MAX_LENGTH` characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from bot.core.lexicon import WORD_CHAR_CLASS
from bot.core.match_specs import Hit, Miss, Role
from bot.core.models import MatchKind

TIMEOUT_S = 0.02
MAX_LENGTH = 300
_WORD = f"[{WORD_CHAR_CLASS}]"


def compile_regex_term(source: str, *, case_sensitive: bool) -> regex.Pattern[str]:
    """The whole-word pattern for `source`; ValueError with a readable reason when invalid."""
    if not source.strip():
        raise ValueError("a regex term is empty")
    if len(source) > MAX_LENGTH:
        raise ValueError(f"a regex term is longer than {MAX_LENGTH} characters")
    flags = 0 if case_sensitive else regex.IGNORECASE  # VERSION0: the syntax of `re`
    try:
        pattern = regex.compile(f"(?<!{_WORD})(?:{source})(?!{_WORD})", flags)
    except regex.error as exc:
        raise ValueError(f"invalid regex {source!r}: {exc}") from None
    if pattern.match(""):
        raise ValueError(f"regex {source!r} matches the empty string")
    return pattern


@dataclass(frozen=True, slots=True)
class RegexTerm:
    key: str
    kind: MatchKind
    source: str  # as written in the watchlist, for `why`
    pattern: regex.Pattern[str]

    def find_all(self, text: str, *, timeout: float = TIMEOUT_S) -> list[Hit] | Miss:
        try:
            spans = [m.span() for m in self.pattern.finditer(text, timeout=timeout)]
        except TimeoutError:
            return Miss.TIMEOUT
        return [
            Hit(
                key=self.key,
                kind=self.kind,
                role=Role.REGEX,
                start=start,
                end=end,
                core_start=start,
                core_end=end,
            )
            for start, end in spans
            if end > start
        ]
