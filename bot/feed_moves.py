"""After a good poll: count a permanent redirect, and move the feed once it has been seen
consistently (the rules are in `bot.core.redirects`; the move itself in the store)."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.models import FeedState
from bot.core.redirects import track_redirect
from bot.store.feeds import MoveOutcome
from bot.store.sql import SqlStore

log = logging.getLogger(__name__)


async def follow_redirect(store: SqlStore, feed: FeedState, permanent_url: str | None, *,
                          now: datetime) -> MoveOutcome | None:
    """Record what this poll saw; returns the move's outcome when the feed moved now."""
    step = track_redirect(feed_url=feed.url, seen_url=feed.redirect_url,
                          seen_polls=feed.redirect_polls, permanent_url=permanent_url)
    if step.move and step.url is not None:
        outcome = await store.move_feed(feed.id, step.url, now=now, polls=step.polls)
        if outcome == "moved":
            log.warning("feed %s moved for good to %s", feed.url, step.url)
        elif outcome == "duplicate":
            log.warning("feed %s moved for good to %s, which another feed already polls: "
                        "disabled", feed.url, step.url)
        return outcome
    if (step.url, step.polls) != (feed.redirect_url, feed.redirect_polls):
        await store.note_redirect(feed.id, url=step.url, polls=step.polls)
    return None
