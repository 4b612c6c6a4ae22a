"""Permanent redirects: when a feed's stored URL follows a 301/308. Pure.

Rules (each lives only here):
- Only permanent hops count. The leading 301/308 hops of a redirect chain give the feed's new
  URL (the fetcher reports it as `FetchResult.permanent_url`); 302/303/307 never change the
  stored URL, and a temporary hop ends the permanent part (A 301→ B 302→ C moves A to B).
- The same new URL must come back on `MOVE_AFTER_POLLS` good polls in a row (the target
  served a feed or a 304) before the stored URL changes. One poll is not enough: a botched
  server config, a maintenance page or a captive portal can answer 301 once, and following
  it would lose the real URL for good. At the usual 10-minute interval three polls take half
  an hour, and until then the feed simply goes through one extra hop.
- A good poll without the redirect, or with another target, starts the count over. A failed
  poll says nothing about redirects: it neither counts nor resets.
- The move itself is the store's (`SqlStore.move_feed`): when another feed already has the
  new URL, this one is disabled instead, since both would carry the same stories twice.
"""

from __future__ import annotations

from dataclasses import dataclass

MOVE_AFTER_POLLS = 3


@dataclass(frozen=True, slots=True)
class RedirectStep:
    """A feed's redirect state after one good poll; `move` → change the URL to `url`."""

    url: str | None
    polls: int
    move: bool = False


def track_redirect(*, feed_url: str, seen_url: str | None, seen_polls: int,
                   permanent_url: str | None, needed: int = MOVE_AFTER_POLLS) -> RedirectStep:
    """The next state, given what the feed had seen and this poll's permanent target."""
    if permanent_url is None or permanent_url == feed_url:
        return RedirectStep(None, 0)
    polls = seen_polls + 1 if permanent_url == seen_url else 1
    return RedirectStep(permanent_url, polls, move=polls >= needed)
