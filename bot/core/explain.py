"""Explanations for `newsbot why` and `/news why`: which term matched where, and for each
near miss the rule that said no ("“Kiel” is not KI: the word goes on after it").

Pure: the matcher's `explain` supplies matches and near misses, this turns them into lines
in the channel's language (catalog strings, Babel numbers).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import format_move, t
from bot.core.match_specs import Miss
from bot.core.models import Lang, Match
from bot.core.near_misses import NearMiss

# msgids (English source text) of the near-miss reasons; {word}, {key}, {detail}
_MISS_TEXT: dict[Miss, str] = {
    Miss.INSIDE_WORD: "“{word}” is not {key}: it stands inside a longer word",
    Miss.WORD_GOES_ON: "“{word}” is not {key}: the word goes on after it",
    Miss.CASE: "“{word}” is not {key}: written in a case that does not count",
    Miss.INCOMPLETE: "“{word}” is not {key}: only the start of a longer term",
    Miss.COMPOUND_TAIL: "“{word}” is not {key}: an everyday word at the end of a compound",
    Miss.CURRENCY: "“{word}” is not {key}: a currency sign, not a cashtag",
    Miss.BARE_OFF: "“{word}” is not {key}: the bare symbol is switched off for this entry",
    Miss.BARE_LOWERCASE: "“{word}” is not {key}: a bare symbol counts only in capitals",
    Miss.COMMON_WORD: "“{word}” is not {key}: an everyday word, so only ${key} counts",
    Miss.SHORT_SYMBOL: "“{word}” is not {key}: a one-letter symbol counts only as ${key}",
    Miss.EXCLUDED: "“{word}” is not {key}: excluded by “{detail}”",
    Miss.SHADOWED: "“{word}” is not {key}: part of the longer name {detail}",
    Miss.BRACKET_TICKER: "“{word}” is not {key}: in brackets after a company name",
    Miss.TIMEOUT: "The regex “{detail}” of {key} took too long on this text and was skipped",
}

_VIA_TEXT: dict[str, str] = {
    "cashtag": "cashtag",
    "bare": "symbol",
    "name": "company name",
    "keyword": "keyword",
    "regex": "regex",
}

_FIELD_TEXT: dict[str, str] = {"title": "in the title", "text": "in the text"}


def describe_match(match: Match, *, lang: Lang) -> str:
    line = t(
        lang,
        "{key} ← “{term}” {field} ({via})",
        key=match.key,
        term=match.term,
        field=t(lang, _FIELD_TEXT[match.field]),
        via=t(lang, _VIA_TEXT.get(match.via, "keyword")),
    )
    if match.move is not None:
        line += f" {format_move(match.move, lang=lang)}"
    return line


def describe_miss(miss: NearMiss, *, lang: Lang) -> str:
    return t(lang, _MISS_TEXT[miss.reason], word=miss.word, key=miss.key, detail=miss.detail)


def explain_lines(
    matches: Sequence[Match], misses: Sequence[NearMiss], *, lang: Lang
) -> list[str]:
    """Matches first (title before text), then near misses; a line saying so when empty."""
    lines: list[str] = []
    if matches:
        lines.append(t(lang, "Matched:"))
        lines.extend(f"  {describe_match(m, lang=lang)}" for m in matches)
    else:
        lines.append(t(lang, "No watched term matched."))
    if misses:
        lines.append(t(lang, "Near misses:"))
        lines.extend(f"  {describe_miss(n, lang=lang)}" for n in misses)
    return lines
