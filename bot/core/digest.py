"""Compose a channel's pending articles into a `Digest`: grouping, ranking, overflow.

Rules (each lives only here):
- An article appears once, however many pending rows carry it; the matches of its rows are
  merged. Identity is (source, uid), because uids are only unique within one feed.
- It is listed under its strongest key: a key that hits the title wins, then tickers before
  keywords (a ticker is what the article is about more often than a topic it mentions), then
  more distinct matches, then the alphabet. The other keys become its tags, in that order.
- The price move of a key is the first match of that key that carries one. An item shows the
  move of its own key; a group shows the move of its newest item that has one, as that is the
  freshest quote.
- Recency is the article's `published` time, or when the bot queued it if the feed gave
  none. Only the `max_items` most recent articles are shown, the rest are counted in
  `overflow`; summaries are made for shown articles only.
- Items within a group are newest first; groups are ordered by their newest item, then by
  size (bigger first), then by key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

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


@dataclass(frozen=True, slots=True)
class _Story:
    article: Article
    matches: tuple[Match, ...]
    seen_at: datetime  # when it was first queued: the recency of an undated article

    @property
    def when(self) -> float:
        # As a POSIX timestamp; naive values are taken as UTC (never the host's zone).
        moment = self.article.published or self.seen_at
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return aware.timestamp()


def _merge(items: Sequence[PendingItem]) -> list[_Story]:
    stories: dict[tuple[str, str], _Story] = {}
    for item in items:
        ident = (item.article.feed_title, item.article.uid)
        known = stories.get(ident)
        if known is None:
            stories[ident] = _Story(item.article, item.matches, item.created_at)
            continue
        extra = tuple(m for m in item.matches if m not in known.matches)
        stories[ident] = _Story(
            known.article, known.matches + extra, min(known.seen_at, item.created_at)
        )
    return list(stories.values())


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


def _newest_first(story: _Story) -> tuple[float, str, str]:
    # Ties broken by title and uid so equal timestamps still give a stable order.
    return (-story.when, story.article.title, story.article.uid)


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

    stories = sorted(_merge(items), key=_newest_first)
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
            summary=summarize(article, story.matches),
            summary_lang=article.lang,
            key=key,
            tags=tuple(tags),
            move=move_of(key, story.matches),
            uid=article.uid,
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
