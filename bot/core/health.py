"""Feed health: when a failing feed is stopped or paused, when it is back, who is told and
what they read. Pure: the service passes in counts and times and does the I/O.

Rules (each lives only here):
- 410 Gone stops a feed for good: it is never requested again (an admin can enable it).
- `DISABLE_AFTER_ERRORS` failed polls in a row pause it: it is probed once a day
  (`PAUSED_PROBE_S`) and enabled again by the first probe that works.
- Channels are told when a feed stops or pauses, and when a paused feed is back; nothing is
  said about failures below the threshold (the backoff handles those quietly), nor about a
  paused feed that then turns out to be gone (the channels already know it is off).
- Who is told: every channel that was routed a story of that feed in the last 30 days
  (`AUDIENCE_WINDOW`), in its own language: those are the channels that will miss its
  stories. A feed that fed no channel lately is only logged, and visible in `/news feed`.
- Each transition is told once: the store lets only one poller win it (see
  `SqlStore.record_feed_failure`). A notice is not retried; a channel in quiet hours gets it
  when they end (a notice whose feed is back by then is dropped together with the "back").
- Feed titles come from the feed: they are cleaned of invisible and bidi-control characters
  and shortened; the URL is shown by its host only (it may carry credentials).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit

from bot.core.i18n import t, tn
from bot.core.schedule import DISABLE_AFTER_ERRORS
from bot.core.text import clean_text

PAUSED_PROBE_S = 24 * 3600  # the notices say "once a day": keep them in step
AUDIENCE_WINDOW = timedelta(days=30)
MAX_TITLE_CHARS = 80

Transition = Literal["gone", "paused", "back"]


def failure_transition(*, status: int | None, errors: int) -> Transition | None:
    """What a failed poll does to a feed: `errors` counts this failure too."""
    if status == 410:
        return "gone"
    if errors >= DISABLE_AFTER_ERRORS:
        return "paused"
    return None


def feed_label(title: str, url: str) -> str:
    """How a notice names a feed: "Title (host)", or the host alone."""
    host = urlsplit(url).hostname or ""
    name = " ".join(clean_text(title).split())
    if len(name) > MAX_TITLE_CHARS:
        name = name[: MAX_TITLE_CHARS - 1].rstrip() + "…"
    if name and host and host.lower() not in name.lower():
        return f"{name} ({host})"
    return name or host or "?"


def build_feed_notice(transition: Transition, *, lang: str, title: str, url: str,
                      errors: int) -> str:
    feed = feed_label(title, url)
    if transition == "gone":
        return t(lang, "Feed stopped: {feed} says it is gone for good (HTTP 410). Its stories "
                       "will be missing here; newsbot no longer polls it.", feed=feed)
    if transition == "paused":
        return tn(lang, "Feed paused: {feed} failed {n} time in a row. Its stories are missing "
                        "here until it works again; newsbot tries it once a day.",
                  "Feed paused: {feed} failed {n} times in a row. Its stories are missing "
                  "here until it works again; newsbot tries it once a day.", errors, feed=feed)
    return t(lang, "Feed back: {feed} works again; its new stories arrive here as before.",
             feed=feed)
