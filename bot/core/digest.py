"""Compose a channel's pending articles into a `Digest`: folding, grouping, ranking, overflow.

Rules (each lives only here):
- An article appears once, however many pending rows carry it; the matches of its rows are
  merged. Identity is (source, uid), because uids are only unique within one feed.
- The same story from several feeds is folded into one item (see "Folding" below): the
  earliest-published copy stays, the others' matches are merged into it and their feed names
  go to `also_in` ("+2 sources"). A folded story counts once everywhere below: in `max_items`,
  in `overflow` and in the size of its group.
- It is listed under its strongest key: a key that hits the title wins, then tickers before
  keywords (a ticker is what the article is about more often than a topic it mentions), then
  more distinct matches, then the alphabet. The other keys become its tags, in that order.
- The price move of a key is the first match of that key that carries one (the primary
  copy's matches come first). An item shows the move of its own key; a group shows the move
  of its newest item that has one, as that is the freshest quote.
- Recency is the article's `published` time, or when the bot queued it if the feed gave
  none; a folded story's is its primary's (the time it broke, which is also the time shown).
- Ranking is by recency first: a digest reads like a timeline, and a score that let an older
  story with many matches overtake a newer one would make the times jump and make overflow
  drop fresh news. The number of matches decides the rest: the key an item is listed under
  (above), ties in time (more distinct keys first, then more sources, then title and uid),
  and ties between groups (bigger first).
- Only the `max_items` most recent stories are shown, the rest are counted in `overflow`;
  summaries are made for shown stories only.
- Items within a group are newest first; groups are ordered by their newest item, then by
  size (bigger first), then by key.

Folding. Two stories from different feeds (feed titles) are the same story when
- their links are the same after `link_key` (scheme, `www.`, trailing slash, fragment and
  tracking parameters such as `utm_*` do not count) — whenever they were published; or,
  published at most `FOLD_WINDOW` apart (recurring headlines such as a daily market report
  are other stories on other days),
- they share a lead: the first sentence of the text, without an agency dateline such as
  "FRANKFURT (dpa-AFX) -", of at least `MIN_LEAD_TOKENS` words (syndicated copy under
  another headline); or
- their titles are near-identical: the Jaccard similarity of their title token sets
  (`title_tokens`: lowercased words, hyphen compounds split, German and English function
  words dropped) is at least `TITLE_SIMILARITY`, both titles having at least
  `MIN_TITLE_TOKENS` tokens.
A story joins the first (earliest) fold it is the same story as with any member, unless
that fold already holds a copy from its feed: one feed never folds with itself. Titles are
compared word for word, so a headline and its translation do not fold (they share only
names, as do different stories about the same company); the same link still folds them.
The thresholds and the cases that set them are in `tests/core/test_digest.py`
(`TITLE_CASES`): 0.8 is the lowest value that keeps "Nvidia shares rise 5% after DeepSeek
release" apart from "… fall 5% …" and "Nvidia will not buy Arm" apart from "Nvidia will buy
Arm" (0.75 each), while an agency prefix on a four-token title ("ROUNDUP: …", 4/5) still
folds. Four tokens at least, because short recurring headlines ("DAX schließt im Plus") are
identical on many days and across feeds without being one story.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from bot.core.dedupe import normalize_link
from bot.core.models import (
    Article,
    Digest,
    DigestGroup,
    DigestItem,
    Lang,
    Match,
    MatchKind,
    PendingItem,
)

Summarize = Callable[[Article, tuple[Match, ...]], str]

TITLE_SIMILARITY = 0.8
MIN_TITLE_TOKENS = 4
MIN_LEAD_TOKENS = 8
LEAD_TOKENS = 40  # a long first sentence is compared by its beginning
FOLD_WINDOW = timedelta(hours=24)

# Function words of German and English headlines and first sentences. They carry no story:
# "Nvidia shares rise after the results" and "Nvidia shares rise after results" are one.
# Words that turn a headline around stay: negations ("not", "kein"), directions ("up"),
# and prepositions of time and contrast ("before"/"after", "vor"/"nach", "ohne").
_STOPWORDS_TEXT = """
a an the and or but of to in on at by for from with as into is are was were be been being
has have had will would can could may might should must do does did its it this that these
those his her their our your my we you they he she i than then so if how why what who when
where which amid via vs
der die das den dem des ein eine einen einem einer eines und oder aber von vom zu zum zur
im in am an auf aus bei beim mit für ist sind war waren wird werden wurde wurden hat haben
hatte sein seine seinen seiner ihr ihre ihren sich als wie auch noch nun so dass
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
# An agency dateline before the first sentence: "FRANKFURT (dpa-AFX) -", "Berlin (Reuters):".
_DATELINE = re.compile(r"\A\s*[^\W\d][^()\n]{0,40}?\([^()\n]{1,30}\)\s*[-–—:]\s*")
# The end of the first sentence: terminal punctuation, closers, space, then a capital or digit.
_SENTENCE_END = re.compile(r"[.!?…][\"'”“’‘»«)\]]*\s+(?=[\"'„“‚‘«»(\[]?[^\W_a-zäöüß])")
# Query parameters that say how a reader came, not which page they get.
_TRACKING_PREFIXES = ("utm_", "at_", "wt_", "ns_", "mc_", "pk_")
_TRACKING_NAMES = frozenset({"fbclid", "gclid", "dclid", "msclkid", "ocid", "cmpid", "ref"})


def _tokens(text: str) -> list[str]:
    words = _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
    return [w for w in words if len(w) > 1 or w.isdigit()]


def title_tokens(title: str) -> frozenset[str]:
    """The words of a title that say what the story is: lowercased, compounds split at
    hyphens ("DeepSeek-Modelle" → deepseek, modelle), numbers whole ("3,37"), function words
    and single letters (the "s" of "Nvidia's") dropped."""
    return frozenset(w for w in _tokens(title) if w not in _STOPWORDS)


def title_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the `title_tokens` of two titles, 0.0 when either has none."""
    ta, tb = title_tokens(a), title_tokens(b)
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


def lead_key(text: str) -> tuple[str, ...] | None:
    """The words of the first sentence of `text` (dateline dropped, at most `LEAD_TOKENS`),
    or None when it is shorter than `MIN_LEAD_TOKENS` words: too generic to identify a story."""
    body = _DATELINE.sub("", text.strip(), count=1)
    end = _SENTENCE_END.search(body)
    first = body[: end.start() + 1] if end else body
    words = _tokens(first)
    return tuple(words[:LEAD_TOKENS]) if len(words) >= MIN_LEAD_TOKENS else None


def _tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


def link_key(link: str | None) -> str | None:
    """What makes two links the same page: host without `www.`, path without a trailing
    slash, the query without tracking parameters (sorted). Scheme and fragment do not count."""
    if not link or not (normalized := normalize_link(link)):
        return None
    try:
        parts = urlsplit(normalized)
        query = sorted(
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)
        )
    except ValueError:
        return normalized
    if not parts.netloc:
        return normalized
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    return f"{host}{path}?{urlencode(query)}" if query else f"{host}{path}"


@dataclass(frozen=True, slots=True)
class _Story:
    article: Article
    matches: tuple[Match, ...]
    seen_at: datetime  # when it was first queued: the recency of an undated article
    also_in: tuple[str, ...] = ()  # other feeds folded into it

    @property
    def when(self) -> float:
        # As a POSIX timestamp; naive values are taken as UTC (never the host's zone).
        moment = self.article.published or self.seen_at
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return aware.timestamp()

    @property
    def source(self) -> str:
        return self.article.feed_title


def _merged(first: Sequence[Match], more: Iterable[Match]) -> tuple[Match, ...]:
    out = list(first)
    out.extend(m for m in more if m not in out)
    return tuple(out)


def _merge(items: Sequence[PendingItem]) -> list[_Story]:
    stories: dict[tuple[str, str], _Story] = {}
    for item in items:
        ident = (item.article.feed_title, item.article.uid)
        known = stories.get(ident)
        if known is None:
            stories[ident] = _Story(item.article, item.matches, item.created_at)
            continue
        stories[ident] = _Story(
            known.article,
            _merged(known.matches, item.matches),
            min(known.seen_at, item.created_at),
        )
    return list(stories.values())


@dataclass(frozen=True, slots=True)
class _Signature:
    """What folding compares of a story, computed once."""

    source: str
    when: float
    link: str | None
    lead: tuple[str, ...] | None
    title: frozenset[str]

    @classmethod
    def of(cls, story: _Story) -> _Signature:
        article = story.article
        return cls(
            source=story.source,
            when=story.when,
            link=link_key(article.link),
            lead=lead_key(article.text),
            title=title_tokens(article.title),
        )


def _same_story(a: _Signature, b: _Signature) -> bool:
    if a.link is not None and a.link == b.link:
        return True
    if abs(a.when - b.when) > FOLD_WINDOW.total_seconds():
        return False
    if a.lead is not None and a.lead == b.lead:
        return True
    if len(a.title) < MIN_TITLE_TOKENS or len(b.title) < MIN_TITLE_TOKENS:
        return False
    return len(a.title & b.title) / len(a.title | b.title) >= TITLE_SIMILARITY


def _title_prefix(title: frozenset[str], rank: Callable[[str], tuple[int, str]]) -> list[str]:
    """The rarest words of a title that any title similar enough must share one of: with
    Jaccard ≥ t, two sets share ≥ ⌈t·|A|⌉ words, so among the |A| − ⌈t·|A|⌉ + 1 rarest of each
    (in one global order) there is a common one (the prefix filter of set-similarity joins)."""
    if len(title) < MIN_TITLE_TOKENS:
        return []
    needed = math.ceil(TITLE_SIMILARITY * len(title) - 1e-9)
    return sorted(title, key=rank)[: len(title) - needed + 1]


def _fold(stories: Sequence[_Story]) -> list[_Story]:
    """Stories with every copy of the same story folded into its earliest one (module
    docstring). Candidates come from indexes on link, lead and the rarest title words, so a
    channel with thousands of pending stories does not compare every pair."""
    ordered = sorted(stories, key=lambda s: (s.when, s.source, s.article.uid))
    signatures = [_Signature.of(story) for story in ordered]
    frequency = Counter(word for sig in signatures for word in sig.title)

    def rank(word: str) -> tuple[int, str]:
        return (frequency[word], word)

    folds: list[list[tuple[_Story, _Signature]]] = []
    by_link: dict[str, list[int]] = {}
    by_lead: dict[tuple[str, ...], list[int]] = {}
    by_word: dict[str, list[int]] = {}
    for story, sig in zip(ordered, signatures, strict=True):
        prefix = _title_prefix(sig.title, rank)
        candidates: set[int] = set()
        if sig.link is not None:
            candidates.update(by_link.get(sig.link, ()))
        if sig.lead is not None:
            candidates.update(by_lead.get(sig.lead, ()))
        for word in prefix:
            candidates.update(by_word.get(word, ()))
        target = next(
            (
                index
                for index in sorted(candidates)
                if all(other.source != sig.source for _, other in folds[index])
                and any(_same_story(sig, other) for _, other in folds[index])
            ),
            None,
        )
        if target is None:
            target = len(folds)
            folds.append([])
        folds[target].append((story, sig))
        if sig.link is not None:
            by_link.setdefault(sig.link, []).append(target)
        if sig.lead is not None:
            by_lead.setdefault(sig.lead, []).append(target)
        for word in prefix:
            by_word.setdefault(word, []).append(target)

    out: list[_Story] = []
    for members in folds:
        primary = members[0][0]
        others = [story for story, _ in members[1:]]
        also_in = tuple(
            dict.fromkeys(s.source for s in others if s.source and s.source != primary.source)
        )
        matches = _merged(primary.matches, (m for s in others for m in s.matches))
        out.append(_Story(primary.article, matches, primary.seen_at, also_in))
    return out


def rank_keys(matches: Sequence[Match]) -> tuple[str, ...]:
    """The keys of `matches`, strongest first (see the module docstring)."""
    spans: dict[str, set[tuple[str, int, int]]] = {}
    in_title: set[str] = set()
    kinds: dict[str, MatchKind] = {}
    for m in matches:
        spans.setdefault(m.key, set()).add((m.field, m.start, m.end))
        kinds.setdefault(m.key, m.kind)
        if m.field == "title":
            in_title.add(m.key)
    return tuple(
        sorted(
            spans,
            key=lambda k: (k not in in_title, kinds[k] != "ticker", -len(spans[k]), k),
        )
    )


def move_of(key: str, matches: Sequence[Match]) -> float | None:
    """The price move written next to the first mention of `key` that has one."""
    return next((m.move for m in matches if m.key == key and m.move is not None), None)


def _kind_of(key: str, matches: Sequence[Match]) -> MatchKind:
    return next(m.kind for m in matches if m.key == key)


def _newest_first(story: _Story) -> tuple[float, int, int, str, str]:
    # Ties in time: more distinct keys, then more sources; then title and uid, so equal
    # timestamps still give a stable order.
    keys = len({m.key for m in story.matches})
    return (-story.when, -keys, -len(story.also_in), story.article.title, story.article.uid)


def build_digest(
    *,
    items: Sequence[PendingItem],
    lang: Lang,
    timezone: str,
    now: datetime,
    instant: bool,
    summarize: Summarize,
    max_items: int = 20,
) -> Digest:
    """Group `items` for one channel into a digest generated at `now`."""
    if max_items < 1:
        raise ValueError(f"max_items must be at least 1, not {max_items}")
    for item in items:
        if not item.matches:
            raise ValueError(f"pending item {item.delivery_id} has no matches to group by")

    stories = sorted(_fold(_merge(items)), key=_newest_first)
    shown, overflow = stories[:max_items], max(0, len(stories) - max_items)

    grouped: dict[str, list[tuple[_Story, DigestItem]]] = {}
    for story in shown:
        key, *tags = rank_keys(story.matches)
        article = story.article
        entry = DigestItem(
            title=article.title,
            link=article.link,
            source=article.feed_title,
            published=article.published,
            # the summary should name what the item is listed under ("Snowflake" for SNOW)
            summary=summarize(article, tuple(m for m in story.matches if m.key == key)),
            summary_lang=article.lang,
            key=key,
            tags=tuple(tags),
            move=move_of(key, story.matches),
            uid=article.uid,
            also_in=story.also_in,
        )
        grouped.setdefault(key, []).append((story, entry))

    groups = [
        DigestGroup(
            key=key,
            kind=_kind_of(key, members[0][0].matches),
            items=tuple(entry for _, entry in members),
            move=next((e.move for _, e in members if e.move is not None), None),
        )
        for key, members in grouped.items()
    ]
    newest = {key: members[0][0].when for key, members in grouped.items()}
    groups.sort(key=lambda g: (-newest[g.key], -len(g.items), g.key))
    return Digest(
        lang=lang,
        timezone=timezone,
        generated_at=now,
        groups=tuple(groups),
        instant=instant,
        overflow=overflow,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def digest_to_dict(digest: Digest) -> dict[str, Any]:
    """The digest as JSON-ready data: every field in declaration order, datetimes as
    ISO-8601, tuples as lists. Stable, so a dump of it can be a golden file."""
    out: dict[str, Any] = _plain(digest)
    out["item_count"] = digest.item_count
    return out
