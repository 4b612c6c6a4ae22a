"""From candidate hits to matches: the rules between hits, and what a match carries.

- An exclude phrase of an entry cancels that entry's hits it overlaps.
- An acronym keyword alone in brackets right after a capitalised name is that company's
  ticker, not the keyword ("Arlington Asset Investment (AI)").
- A name strictly inside another ticker's longer name does not count ("Siemens" in
  "Siemens Energy").
- Per key, a hit covered by an earlier or longer hit of the same key is dropped.
- A ticker match carries the price move written after it; a name right before its own
  cashtag shares the cashtag's move.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.core.match_specs import PRIORITY, Hit, Miss, Role
from bot.core.models import Field, Match
from bot.core.near_misses import RawMiss
from bot.core.term_patterns import move_after

# what may stand between a name and its cashtag for the cashtag's move to apply to both:
# "Snowflake $SNOW (-3,37 %)", "Nvidia (NASDAQ: NVDA) (+2 %)"
_NAME_TO_SYMBOL_GAP = re.compile(r"[\s(\[,:]{0,4}\Z")
# "Arlington Asset Investment (" — a capitalised word and an opening bracket
_NAME_THEN_BRACKET = re.compile(r"[A-ZÄÖÜ][\w.&'’-]*\s*\(\Z")


def resolve(hits: list[Hit], text: str, misses: list[RawMiss] | None = None) -> list[Hit]:
    """Excludes win, longer names of other tickers win, and a key keeps its longest hits.
    Hits dropped by a rule go to `misses` when given (for `why`)."""
    # one look at every hit decides which rules can apply at all (most articles: none but
    # the last); this runs for every article, with a dozen hits each at 10,000 entries
    names = 0
    rare = False
    for h in hits:
        role = h.role
        if role is _NAME:
            names += 1
        elif role is _EXCLUDE or (role is _KEYWORD and text[h.start - 1 : h.start] == "("):
            rare = True
    kept = _excluded_and_bracketed(hits, text, misses) if rare else hits
    if names > 1:
        kept = _unshadowed(kept, text, misses)
    # per key: drop hits covered by an earlier or longer hit of the same key
    ordered = sorted(kept, key=_per_key_order)
    result: list[Hit] = []
    reach: dict[str, int] = {}
    for hit in ordered:
        if hit.end <= reach.get(hit.key, -1):
            continue
        reach[hit.key] = hit.end
        result.append(hit)
    result.sort(key=_text_order)
    return result


_NAME, _KEYWORD, _EXCLUDE = Role.NAME, Role.KEYWORD, Role.EXCLUDE
_PRIORITY_BY_VALUE = {role.value: rank for role, rank in PRIORITY.items()}


def _per_key_order(h: Hit) -> tuple[str, int, int, int]:
    return (h.key, h.start, -h.end, _PRIORITY_BY_VALUE[h.role._value_])


def _text_order(h: Hit) -> tuple[int, str]:
    return (h.start, h.key)


def _excluded_and_bracketed(hits: list[Hit], text: str, misses: list[RawMiss] | None
                            ) -> list[Hit]:
    """Without the hits an exclude phrase of their key covers, and without acronym keywords
    that are a company's symbol in brackets; the exclude phrases themselves go too."""
    excludes = [h for h in hits if h.role is _EXCLUDE]
    kept = [h for h in hits if h.role is not _EXCLUDE]
    if excludes:
        survivors = []
        for h in kept:
            phrase = next((e for e in excludes if e.key == h.key and _overlaps(e, h)), None)
            if phrase is None:
                survivors.append(h)
            elif misses is not None:
                misses.append((h, Miss.EXCLUDED, h.key, text[phrase.start : phrase.end]))
        kept = survivors
    in_brackets = [
        h
        for h in kept
        if h.role is _KEYWORD and text[h.start - 1 : h.start] == "("
        and _is_ticker_in_brackets(h, text, kept)
    ]
    if in_brackets:
        kept = [h for h in kept if h not in in_brackets]
        if misses is not None:
            misses.extend((h, Miss.BRACKET_TICKER, h.key, "") for h in in_brackets)
    return kept


def _unshadowed(hits: list[Hit], text: str, misses: list[RawMiss] | None) -> list[Hit]:
    """Without names strictly inside another ticker's name ("Siemens" in "Siemens Energy")."""
    names = sorted((h for h in hits if h.role is _NAME), key=_name_order)
    shadowed: list[Hit] = []
    cover: Hit | None = None
    for hit in names:
        if cover is not None and hit.core_end <= cover.core_end:
            inside = (hit.core_start, hit.core_end) != (cover.core_start, cover.core_end)
            if inside and hit.key != cover.key:
                shadowed.append(hit)
                if misses is not None:
                    detail = f"{text[cover.core_start : cover.core_end]} ({cover.key})"
                    misses.append((hit, Miss.SHADOWED, hit.key, detail))
        if cover is None or hit.core_end > cover.core_end:
            cover = hit
    if not shadowed:
        return hits
    return [h for h in hits if h not in shadowed]


def _name_order(h: Hit) -> tuple[int, int]:
    return (h.core_start, -h.core_end)


def _is_ticker_in_brackets(hit: Hit, text: str, hits: list[Hit]) -> bool:
    """An acronym keyword alone in brackets after a capitalised name is that company's
    symbol ("Arlington Asset Investment (AI)"), unless the words before the bracket spell
    the keyword out ("künstliche Intelligenz (KI)")."""
    if hit.role is not Role.KEYWORD or hit.start == 0 or text[hit.start - 1] != "(":
        return False
    if text[hit.end : hit.end + 1] != ")" or not text[hit.start : hit.end].isupper():
        return False
    if not _NAME_THEN_BRACKET.search(text, max(0, hit.start - 40), hit.start):
        return False
    spelt_out = any(
        h.key == hit.key and h.end <= hit.start and not text[h.end : hit.start - 1].strip()
        for h in hits
    )
    return not spelt_out


def _overlaps(a: Hit, b: Hit) -> bool:
    return a.core_start < b.core_end and b.core_start < a.core_end


def to_matches(
    hits: list[Hit], *, text: str, field: Field, text_from: int | None = None
) -> list[Match]:
    """Matches in `field`; with `text_from`, `text` is title + separator + text and hits
    from that offset on are the text's, with offsets relative to it."""
    matches: list[Match] = []
    split = len(text) if text_from is None else text_from
    for h in hits:
        start = h.start
        in_text = start >= split
        base = split if in_text else 0
        end = h.end
        # positional: a dataclass's keyword call costs a third more, for every match
        matches.append(Match(
            h.key,  # key
            h.kind,  # kind
            text[start:end],  # term
            "text" if in_text else field,  # field
            start - base,  # start
            end - base,  # end
            move_after(text, end) if h.kind == "ticker" else None,  # move
            h.role._value_,  # via (`.value` is a property: slower, the same string)
        ))
    # a name right before its own cashtag shares the cashtag's move (moves are rare: look
    # only when there is one)
    if all(m.move is None for m in matches):
        return matches
    for i, match in enumerate(matches):
        if match.kind != "ticker" or match.move is not None:
            continue
        for j in range(i + 1, len(matches)):
            later = matches[j]
            if later.field != match.field or later.start - match.end > 8:
                break
            gap = text[hits[i].end : hits[j].start]
            if later.key == match.key and later.move is not None and _NAME_TO_SYMBOL_GAP.match(gap):
                matches[i] = replace(match, move=later.move)
                break
    return matches
