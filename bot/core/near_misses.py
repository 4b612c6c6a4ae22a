"""Near misses for `why`: where a term almost matched and the rule that said no.

The matcher collects raw rejections (a position or a dropped hit, the reason, the key, a
detail) only when asked to explain; this module turns them into one `NearMiss` per key and
word, with the most telling reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.match_specs import Hit, Miss
from bot.core.models import Field, Match
from bot.core.term_patterns import fold, is_word_char

RawMiss = tuple[Hit | int, Miss, str, str]  # (hit or position, reason, key, detail)


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A place where a term almost matched, and the rule that said no (for `why`)."""

    key: str
    field: Field
    start: int
    end: int
    word: str  # the word as it stands in the text: "Kiel", "said", "Siemens"
    reason: Miss
    detail: str = ""  # the exclude phrase or longer name that won, when there is one


def _word_around(text: str, index: int) -> tuple[int, int]:
    start = end = index
    while is_word_char(text, start - 1):
        start -= 1
    while is_word_char(text, end):
        end += 1
    return start, max(end, index + 1)


# When several rules turned down one word for one key, the most telling one is reported:
# a rule between hits ("part of Siemens Energy") over a term's own check ("the word goes
# on") over the bare-symbol checks that every symbol fails on ordinary words.
_RANK = {miss: 0 for miss in (Miss.EXCLUDED, Miss.SHADOWED, Miss.BRACKET_TICKER, Miss.TIMEOUT)}
_RANK.update(
    {
        miss: 1
        for miss in (
            Miss.CASE,
            Miss.WORD_GOES_ON,
            Miss.INSIDE_WORD,
            Miss.INCOMPLETE,
            Miss.COMPOUND_TAIL,
        )
    }
)
_RANK.update(
    {
        miss: 2
        for miss in (
            Miss.CURRENCY,
            Miss.BARE_OFF,
            Miss.BARE_LOWERCASE,
            Miss.COMMON_WORD,
            Miss.SHORT_SYMBOL,
        )
    }
)


def near_misses(
    raw: Sequence[RawMiss], text: str, *, field: Field, found: Sequence[Match]
) -> list[NearMiss]:
    """One near miss per key and word (its first place, most telling reason); none where
    that key did match after all."""
    result: dict[tuple[str, str], NearMiss] = {}
    for where, reason, key, detail in raw:
        if isinstance(where, Hit):
            start, end = where.start, where.end
        elif reason is Miss.TIMEOUT:
            start, end = 0, 0
        else:
            start, end = _word_around(text, where)
        matched = any(
            m.key == key and m.field == field and m.start < max(end, start + 1) and start < m.end
            for m in found
        )
        ident = (key, fold(text[start:end]))  # "said" ten times is one near miss
        known = result.get(ident)
        if not matched and (known is None or _RANK[reason] < _RANK[known.reason]):
            result[ident] = NearMiss(
                key=key,
                field=field,
                start=start,
                end=end,
                word=text[start:end],
                reason=reason,
                detail=detail,
            )
    return list(result.values())
