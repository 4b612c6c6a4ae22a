"""Entry identity within a feed, and the baseline for a feed seen the first time.

Identity is what decides "already seen": an edited entry keeps its guid and is not news again;
a feed without guids falls back to the link, and a feed without either to the content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from bot.core.models import Article
from bot.core.text import clean_text, content_hash

# The store keeps uids in a 600-character column; longer identities are hashed.
MAX_UID_CHARS = 512
# Clock skew we accept from a feed before calling a date "in the future".
FUTURE_TOLERANCE = timedelta(hours=1)


def normalize_link(link: str) -> str:
    """The link without surrounding whitespace and fragment; scheme and host lower-cased.
    The path and query stay as they are: servers may treat their case as meaningful."""
    link = clean_text(link).strip()
    try:
        parts = urlsplit(link)
    except ValueError:  # e.g. an unbalanced "[" in the host: keep the text as identity
        return link.split("#", 1)[0]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def _bounded(prefix: str, value: str) -> str:
    if len(value) <= MAX_UID_CHARS:
        return prefix + value
    # a distinct prefix so a hashed long value never equals a short one written out
    return prefix + "#" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def entry_uid(*, guid: str | None, link: str | None, title: str, text: str) -> str:
    """guid → link → content hash, prefixed "g:", "l:", "h:" so the kinds never collide."""
    return declared_uid(guid=guid, link=link) or "h:" + content_hash(title, text)


def declared_uid(*, guid: str | None, link: str | None) -> str | None:
    """`entry_uid` when the guid or the link decides it, None when only the content can: the
    raw fields suffice, so a poll tells known entries apart without normalizing them."""
    if guid is not None and (guid := clean_text(guid).strip()):
        return _bounded("g:", guid)
    if link is not None and (normalized := normalize_link(link)):
        return _bounded("l:", normalized)
    return None


def first_of_each(uids: Sequence[str]) -> list[int]:
    """The positions of each uid's first occurrence, in order: `dedupe_within_feed` for
    entries known only by their uids so far."""
    seen: set[str] = set()
    kept: list[int] = []
    for position, uid in enumerate(uids):
        if uid not in seen:
            seen.add(uid)
            kept.append(position)
    return kept


def dedupe_within_feed(articles: Iterable[Article]) -> tuple[Article, ...]:
    """Drop later entries whose uid was already seen in the same document (keep the first:
    feeds list newest first)."""
    items = tuple(articles)
    return tuple(items[i] for i in first_of_each([a.uid for a in items]))


def select_baseline(
    articles: Sequence[Article],
    *,
    now: datetime,
    limit: int = 3,
    window: timedelta = timedelta(hours=24),
) -> tuple[Article, ...]:
    """Of a first-seen feed's backlog, the articles worth delivering: the newest `limit`
    published within `window` before `now`, newest first.

    Undated articles never qualify (their age is unknown). A date more than an hour ahead of
    `now` counts as `now`: it is a broken clock, not a reason to drop or to favour the entry.
    Ties keep the feed's order.
    """
    if limit <= 0:
        return ()
    oldest = now - window
    dated: list[tuple[datetime, int, Article]] = []
    for position, article in enumerate(articles):
        if article.published is None:
            continue
        published = article.published
        if published > now + FUTURE_TOLERANCE:
            published = now
        if published >= oldest:
            dated.append((published, position, article))
    dated.sort(key=lambda item: (-item[0].timestamp(), item[1]))
    return tuple(article for _, _, article in dated[:limit])
