"""Compiled watchlist matcher: tickers (cashtags, exchange symbols, names, bare symbols)
and keywords, found in one pass over a title and a text.

How it works: every term and symbol becomes keys of two Aho-Corasick automata that already
carry word boundaries and the usual spellings (`scan_keys`), so a text is scanned once
whatever the number of entries and only real candidates reach Python. Each candidate is
checked where it stands by its spec (`match_specs`: inflection, compound tail, case), and
the hits are resolved against each other (`resolve`). `explain` (for `why`) uses a slower
scan over every first word, which also sees the near misses.

Decisions beyond DESIGN §4, so a reader knows what to expect:
- Mixed-case names match in any case except all-lowercase: "NVIDIA" and "Nvidia" count,
  "apple", "snowflake", "threat intel" are ordinary words. Keywords match all-lowercase too.
- Case-sensitive terms tolerate a sentence-initial capital ("Künstliche Intelligenz").
- Bare symbols in German text also skip English common words (German news quotes English).
- A name inside a longer name of another ticker does not count for it: "Siemens Energy"
  is ENR, not SIE, even without an explicit exclude. Keywords do not compete this way.
- Well-known other meanings of everyday names ("Oracle of Omaha", "Nikola Tesla",
  "Allianz gegen …") act as built-in excludes (`lexicon.NAME_CONFUSERS`).
- An acronym keyword in brackets right after a capitalised name is that company's ticker,
  not the keyword: "Arlington Asset Investment (AI)"; "Artificial Intelligence (AI)" stays.
- Matches come title first, then text; within a field by start, then key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from bot.core.automaton import Automaton
from bot.core.lexicon import COMMON_WORDS, NAME_CONFUSERS
from bot.core.match_specs import Hit, Miss, Role, Spec, SymbolSpec, TermSpec
from bot.core.models import Field, KeywordEntry, Match, MatchKind, TickerEntry
from bot.core.near_misses import NearMiss, RawMiss, near_misses
from bot.core.regex_terms import RegexTerm, compile_regex_term
from bot.core.resolve import resolve, to_matches
from bot.core.scan_keys import (
    Casing,
    camel_head,
    cashtag_keys,
    scan_text,
    symbol_keys,
    term_keys,
)
from bot.core.term_patterns import (
    Inflection,
    default_case_sensitive,
    fold,
    head_key,
    is_acronym,
    spellings,
    term_pattern,
)

__all__ = ["Matcher", "NearMiss", "compile_matcher"]

_FIELDS: tuple[Field, ...] = ("title", "text")
_SEPARATOR = "\n\n"
MAX_NEAR_MISSES_PER_KEY = 3


Keyed = Mapping[str, tuple[int, Sequence[Spec]]]  # scan key → (offset of the term, specs)


Finder = Callable[[str, int, frozenset[str]], Hit | Miss]
# by key index: (offset of the term in the scan text, the specs' bound `find`s, seam)
Scanner = tuple[Automaton, list[tuple[int, tuple[Finder, ...], bool]]]


def _scanner(
    table: Keyed | None, seams: Mapping[str, Sequence[Spec]] | None = None
) -> Scanner | None:
    """The automaton over `table`'s keys and, by key index, (offset, specs, seam): a seam
    key (" meta") counts only where a capital follows it ("MetaAI"), see scan_keys."""
    entries: dict[str, tuple[int, tuple[Spec, ...], bool]] = {
        k: (off, tuple(specs), False) for k, (off, specs) in (table or {}).items()
    }
    for head, specs in (seams or {}).items():
        entries.setdefault(f" {head}", (1, tuple(specs), True))
    if not entries:
        return None
    keys = list(entries)
    # the offset minus the pad, and `find` bound once here rather than per candidate
    return Automaton(keys), [
        (off - 1, tuple(spec.find for spec in specs), seam)
        for off, specs, seam in (entries[k] for k in keys)
    ]


class Matcher:
    """All watchlist entries, compiled. Build it with `compile_matcher`; reuse it."""

    def __init__(
        self,
        *,
        specs_by_head: Mapping[str, Sequence[Spec]],
        keys: frozenset[str],
        regex_terms: Sequence[RegexTerm] = (),
        folded_keys: Keyed | None = None,
        cased_keys: Keyed | None = None,
        camel_heads: Mapping[str, Sequence[Spec]] | None = None,
    ):
        self.keys = keys
        self._regex_terms = tuple(regex_terms)
        self._specs_by_head = specs_by_head
        # the first-word automaton of `explain`, built when first asked
        self._slow: tuple[Automaton, list[tuple[str, tuple[Spec, ...]]]] | None = None
        self._folded = _scanner(folded_keys, camel_heads)
        self._cased = _scanner(cased_keys)

    def match(self, *, title: str, text: str, lang: str | None = None) -> tuple[Match, ...]:
        """Every hit in title and text; at most one Match per (key, field, start)."""
        common = _common_words(lang)
        if not (title and text):
            field: Field = "title" if title else "text"
            value = title or text
            hits = self._scan(value, common) if value else []
            hits.extend(self._regex_hits(value, None))
            return tuple(to_matches(resolve(hits, value), text=value, field=field)) if hits else ()
        # One scan over both fields halves the fixed cost per article; the separator is two
        # non-word characters, which no key, compound tail or price move reaches across.
        joined = f"{title}{_SEPARATOR}{text}"
        text_from = len(title) + len(_SEPARATOR)
        hits = self._scan(joined, common)
        if self._regex_terms:  # user patterns might reach across: each field on its own
            hits.extend(self._regex_hits(title, None))
            hits.extend(_shifted(h, text_from) for h in self._regex_hits(text, None))
        if not hits:
            return ()
        return tuple(to_matches(resolve(hits, joined), text=joined, field="title",
                                text_from=text_from))

    def keys_in(self, *, title: str, text: str, lang: str | None = None) -> frozenset[str]:
        return frozenset(m.key for m in self.match(title=title, text=text, lang=lang))

    def explain(
        self, *, title: str, text: str, lang: str | None = None
    ) -> tuple[tuple[Match, ...], tuple[NearMiss, ...]]:
        """The matches (exactly those of `match`), and the near misses with their reasons:
        one per key and word, at most `MAX_NEAR_MISSES_PER_KEY` per key."""
        common = _common_words(lang)
        found = self.match(title=title, text=text, lang=lang)
        misses: list[NearMiss] = []
        for field, value in zip(_FIELDS, (title, text), strict=True):
            if value:
                raw: list[RawMiss] = []
                hits = self._slow_scan(value, common, raw)
                hits.extend(self._regex_hits(value, raw))
                resolve(hits, value, raw)
                misses.extend(near_misses(raw, value, field=field, found=found))
        per_key: dict[str, int] = {}
        kept: list[NearMiss] = []
        for miss in misses:
            per_key[miss.key] = per_key.get(miss.key, 0) + 1
            if per_key[miss.key] <= MAX_NEAR_MISSES_PER_KEY:
                kept.append(miss)
        return found, tuple(kept)

    def _scan(self, text: str, common: frozenset[str]) -> list[Hit]:
        """The hot path: only positions the keys already put on word boundaries."""
        hits: list[Hit] = []
        cased = scan_text(text)
        # a key's start, minus the pad, plus the term's offset in the key
        for scanner, scan in ((self._folded, fold(cased)), (self._cased, cased)):
            if scanner is None:
                continue
            automaton, values = scanner
            for index, key_start, key_end in automaton.find(scan):
                offset, finds, seam = values[index]
                if seam and not text[key_end - 1 : key_end].isupper():
                    continue
                start = key_start + offset
                for find in finds:
                    hit = find(text, start, common)
                    if hit.__class__ is Hit:
                        hits.append(hit)
        return hits

    def _slow_scan(self, text: str, common: frozenset[str], misses: list[RawMiss]) -> list[Hit]:
        """Every occurrence of every first word, inside words too, with reasons for `why`."""
        if self._slow is None and self._specs_by_head:
            heads = list(self._specs_by_head)
            self._slow = Automaton(heads), [(h, tuple(self._specs_by_head[h])) for h in heads]
        hits: list[Hit] = []
        if self._slow is None:
            return hits
        automaton, values = self._slow
        for index, start, _ in automaton.find(fold(text)):
            for spec in values[index][1]:
                hit = spec.find(text, start, common, why=True)
                if hit.__class__ is Hit:
                    hits.append(hit)
                elif isinstance(hit, Miss) and _reportable(spec):
                    misses.append((start, hit, spec.key, ""))
        return hits

    def _regex_hits(self, text: str, misses: list[RawMiss] | None) -> list[Hit]:
        hits: list[Hit] = []
        for term in self._regex_terms:
            result = term.find_all(text)
            if isinstance(result, Miss):
                if misses is not None:
                    misses.append((0, result, term.key, term.source))
            else:
                hits.extend(result)
        return hits


def compile_matcher(
    *,
    tickers: Iterable[TickerEntry],
    keywords: Iterable[KeywordEntry],
    reference: Mapping[str, tuple[str, ...]] | None = None,
) -> Matcher:
    """Compile every term once; the Matcher is then cheap to apply to any number of texts.

    A ticker without `names` gets the `reference` names of its symbol (bot.reference);
    its `extra_names` are added to whichever names apply."""
    table: dict[str, dict[Spec, None]] = {}  # head → specs, insertion-ordered and deduplicated
    folded: dict[str, tuple[int, dict[Spec, None]]] = {}  # scan key → (offset, specs)
    camel: dict[str, dict[Spec, None]] = {}  # one-word short term → specs (see scan_keys)
    cased: dict[str, tuple[int, dict[Spec, None]]] = {}
    keys: set[str] = set()
    regex_terms: list[RegexTerm] = []

    def add(head: str, spec: Spec, term: str = "") -> None:
        if not head:
            return
        table.setdefault(head, {})[spec] = None
        if isinstance(spec, SymbolSpec):
            for key, offset in cashtag_keys(spec.key):
                folded.setdefault(key, (offset, {}))[1][spec] = None
            for key, offset in symbol_keys(spec.key, bare=spec.may_be_bare):
                cased.setdefault(key, (offset, {}))[1][spec] = None
            return
        inflection = Inflection.KEYWORD if spec.role is Role.KEYWORD else Inflection.NAME
        casing = Casing.ANY
        if spec.needs_capital:
            casing = Casing.CAPITALISED
        elif spec.case_sensitive:
            casing = Casing.EXACT
        folded_keys, cased_keys = term_keys(
            term, inflection=inflection, fused_prefix_ok=spec.fused_prefix_ok, casing=casing
        )
        for key, offset in folded_keys:
            folded.setdefault(key, (offset, {}))[1][spec] = None
        for key, offset in cased_keys:
            cased.setdefault(key, (offset, {}))[1][spec] = None
        seam_word = camel_head(term) if spec.role is not Role.EXCLUDE else None
        if seam_word is not None:
            camel.setdefault(seam_word, {})[spec] = None

    for ticker in tickers:
        keys.add(ticker.symbol)
        add(fold(ticker.symbol), SymbolSpec.build(key=ticker.symbol, bare=ticker.bare))
        names = ticker.names
        if names is None:
            names = reference.get(ticker.symbol, ()) if reference is not None else ()
        for name in (n for raw in (*names, *ticker.extra_names) for n in spellings(raw)):
            case_sensitive = default_case_sensitive(name)
            pattern = term_pattern(name, case_sensitive=case_sensitive, inflection=Inflection.NAME)
            spec = TermSpec(
                key=ticker.symbol,
                kind="ticker",
                role=Role.NAME,
                pattern=pattern,
                needs_capital=not case_sensitive and name != name.lower(),
                fused_prefix_ok=False,
                plain=fold(name),
                case_sensitive=case_sensitive,
            )
            add(head_key(name), spec, name)
            for confuser in NAME_CONFUSERS.get(fold(name), ()):
                add(head_key(confuser), _exclude_spec(ticker.symbol, "ticker", confuser), confuser)
        for phrase in (p for raw in ticker.exclude for p in spellings(raw)):
            add(head_key(phrase), _exclude_spec(ticker.symbol, "ticker", phrase), phrase)
    for keyword in keywords:
        keys.add(keyword.key)
        for term in (t for raw in keyword.terms for t in spellings(raw)):
            case_sensitive = (
                keyword.case_sensitive
                if keyword.case_sensitive is not None
                else default_case_sensitive(term)
            )
            pattern = term_pattern(
                term, case_sensitive=case_sensitive, inflection=Inflection.KEYWORD
            )
            spec = TermSpec(
                key=keyword.key,
                kind="keyword",
                role=Role.KEYWORD,
                pattern=pattern,
                needs_capital=False,
                fused_prefix_ok=is_acronym(term),
                plain=fold(term),
                case_sensitive=case_sensitive,
            )
            add(head_key(term), spec, term)
        for phrase in (p for raw in keyword.exclude for p in spellings(raw)):
            add(head_key(phrase), _exclude_spec(keyword.key, "keyword", phrase), phrase)
        for source in keyword.regex:
            rx = compile_regex_term(source, case_sensitive=keyword.case_sensitive is not False)
            regex_terms.append(
                RegexTerm(key=keyword.key, kind="keyword", source=source, pattern=rx)
            )
    return Matcher(
        specs_by_head={head: tuple(specs) for head, specs in table.items()},
        keys=frozenset(keys),
        regex_terms=regex_terms,
        folded_keys={k: (off, tuple(specs)) for k, (off, specs) in folded.items()},
        cased_keys={k: (off, tuple(specs)) for k, (off, specs) in cased.items()},
        camel_heads={head: tuple(specs) for head, specs in camel.items()},
    )


def _exclude_spec(key: str, kind: MatchKind, phrase: str) -> TermSpec:
    return TermSpec(
        key=key,
        kind=kind,
        role=Role.EXCLUDE,
        pattern=term_pattern(phrase, case_sensitive=False, inflection=Inflection.NAME),
        needs_capital=False,
        fused_prefix_ok=False,
        plain=fold(phrase),
    )


_ANY_LANGUAGE = COMMON_WORDS["de"] | COMMON_WORDS["en"]


def _common_words(lang: str | None) -> frozenset[str]:
    if lang is None:
        return _ANY_LANGUAGE
    return COMMON_WORDS.get(lang.replace("_", "-").split("-")[0].lower(), _ANY_LANGUAGE)




def _shifted(hit: Hit, by: int) -> Hit:
    return hit._replace(
        start=hit.start + by,
        end=hit.end + by,
        core_start=hit.core_start + by,
        core_end=hit.core_end + by,
    )


def _reportable(spec: Spec) -> bool:
    return not (isinstance(spec, TermSpec) and spec.role is Role.EXCLUDE)
