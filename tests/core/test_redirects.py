"""When a feed's stored URL follows a permanent redirect (pure): a sequence of good polls,
each with its permanent target (None: no permanent redirect), and the poll that moves it."""

from __future__ import annotations

import pytest

from bot.core.redirects import MOVE_AFTER_POLLS, RedirectStep, track_redirect

OLD, NEW, OTHER = "https://a.example/rss", "https://b.example/rss", "https://c.example/rss"


def replay(targets: list[str | None], *, needed: int = MOVE_AFTER_POLLS) -> int | None:
    """The 1-based poll at which the feed moves to the target, or None."""
    url, polls = None, 0
    for number, target in enumerate(targets, start=1):
        step = track_redirect(feed_url=OLD, seen_url=url, seen_polls=polls,
                              permanent_url=target, needed=needed)
        if step.move:
            return number
        url, polls = step.url, step.polls
    return None


@pytest.mark.parametrize(
    ("targets", "moves_at"),
    [
        ([NEW] * MOVE_AFTER_POLLS, MOVE_AFTER_POLLS),
        ([NEW] * (MOVE_AFTER_POLLS - 1), None),
        ([None] * 5, None),
        ([NEW, None, NEW, NEW, NEW], 5),  # a poll without the redirect starts over
        ([NEW, OTHER, NEW, NEW, NEW], 5),  # so does another target
        ([NEW, NEW, OTHER, OTHER, OTHER], 5),  # the new target then needs its own run
        ([OLD, OLD, OLD, OLD], None),  # a redirect back to itself is no move
    ],
    ids=["consistent", "one-short", "none", "interrupted", "other-target", "target-changes",
         "to-itself"],
)
def test_move_only_after_consistent_polls(targets: list[str | None],
                                          moves_at: int | None) -> None:
    assert replay(targets) == moves_at


def test_move_at_once_when_one_poll_is_enough() -> None:
    assert replay([NEW], needed=1) == 1


def test_step_values() -> None:
    first = track_redirect(feed_url=OLD, seen_url=None, seen_polls=0, permanent_url=NEW)
    assert first == RedirectStep(NEW, 1)
    gone = track_redirect(feed_url=OLD, seen_url=NEW, seen_polls=2, permanent_url=None)
    assert gone == RedirectStep(None, 0)
