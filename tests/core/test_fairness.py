"""Due feeds are started one host at a time in turn (pure)."""

from __future__ import annotations

import pytest

from bot.core.fairness import round_robin_by_host, take_per_host
from bot.core.models import FeedState


def feeds(*urls: str) -> list[FeedState]:
    return [FeedState(id=i, url=u, interval_s=600) for i, u in enumerate(urls)]


@pytest.mark.parametrize(
    ("urls", "order"),
    [
        ((), []),
        (("https://a/1", "https://a/2", "https://a/3", "https://b/1", "https://c/1",
          "https://b/2"),
         ["https://a/1", "https://b/1", "https://c/1", "https://a/2", "https://b/2",
          "https://a/3"]),
        (("https://A/1", "http://a:8080/2", "https://b/1"),
         ["https://A/1", "https://b/1", "http://a:8080/2"]),
        (("sample:demo", "https://a/1", "sample:other"),
         ["sample:demo", "https://a/1", "sample:other"]),
    ],
    ids=["empty", "three-hosts", "host-case-and-port", "no-host"],
)
def test_round_robin_by_host(urls: tuple[str, ...], order: list[str]) -> None:
    spread = round_robin_by_host(feeds(*urls))
    assert sorted(f.id for f in spread) == list(range(len(urls)))
    assert [f.url for f in spread] == order


@pytest.mark.parametrize(
    ("urls", "per_host", "now", "later"),
    [
        ((), 2, [], []),
        (("https://a/1", "https://b/1", "https://a/2", "https://a/3", "https://A/4"), 2,
         ["https://a/1", "https://b/1", "https://a/2"], ["https://a/3", "https://A/4"]),
        (("https://a/1", "https://a/2"), 1, ["https://a/1"], ["https://a/2"]),
        (("https://a/1", "https://b/1"), 1, ["https://a/1", "https://b/1"], []),
    ],
    ids=["empty", "two-per-host", "one-per-host", "distinct-hosts"],
)
def test_take_per_host(urls: tuple[str, ...], per_host: int, now: list[str],
                       later: list[str]) -> None:
    taken, left = take_per_host(feeds(*urls), per_host)
    assert ([f.url for f in taken], [f.url for f in left]) == (now, later)
