from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.dedupe import (
    declared_uid,
    dedupe_within_feed,
    entry_uid,
    first_of_each,
    normalize_link,
    select_baseline,
)
from bot.core.models import Article
from bot.core.text import content_hash

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def article(uid: str, *, hours_ago: float | None = None, title: str = "") -> Article:
    published = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    return Article(uid=uid, title=title or uid, link=None, published=published, text="",
                   lang=None)


UID_CASES = pytest.mark.parametrize(
    ("guid", "link", "expected"),
    [
        ("urn:1", "https://ex.org/a", "g:urn:1"),
        ("  urn:1\n", None, "g:urn:1"),
        ("", "https://ex.org/a", "l:https://ex.org/a"),
        ("   ", " https://ex.org/a#comments ", "l:https://ex.org/a"),
        (None, "HTTPS://Ex.ORG/Path?Q=1#x", "l:https://ex.org/Path?Q=1"),
        (None, "https://ex.org/a", "l:https://ex.org/a"),
        (None, None, "h:" + content_hash("Titel", "Text")),
        (None, "  ", "h:" + content_hash("Titel", "Text")),
        ("https://ex.org/a", None, "g:https://ex.org/a"),
        ("\u200b", "#only-a-fragment", "h:" + content_hash("Titel", "Text")),
    ],
    ids=["guid-wins", "guid-stripped", "empty-guid-link", "blank-guid-fragment",
         "link-normalized", "link", "content-hash", "blank-link-hash", "guid-looks-like-link",
         "invisible-guid-empty-link"],
)


@UID_CASES
def test_entry_uid(guid: str | None, link: str | None, expected: str) -> None:
    assert entry_uid(guid=guid, link=link, title="Titel", text="Text") == expected


@UID_CASES
def test_declared_uid_is_entry_uid_unless_only_the_content_decides(
        guid: str | None, link: str | None, expected: str) -> None:
    # a poll tells known entries apart by it before normalizing any of them
    assert declared_uid(guid=guid, link=link) == (None if expected.startswith("h:")
                                                  else expected)


def test_uid_kinds_never_collide_and_long_values_are_bounded() -> None:
    as_guid = entry_uid(guid="https://ex.org/a", link=None, title="", text="")
    as_link = entry_uid(guid=None, link="https://ex.org/a", title="", text="")
    assert as_guid != as_link
    long_uid = entry_uid(guid="x" * 5000, link=None, title="", text="")
    assert long_uid.startswith("g:#") and len(long_uid) < 600
    assert long_uid != entry_uid(guid="x" * 4999, link=None, title="", text="")


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://ex.org/a#frag", "https://ex.org/a"),
        ("\thttps://ex.org/a \n", "https://ex.org/a"),
        ("HTTP://EX.org/A", "http://ex.org/A"),
        ("https://ex.org/a?b=1&c=2", "https://ex.org/a?b=1&c=2"),
        ("https://[broken/a#x", "https://[broken/a"),
    ],
    ids=["fragment", "whitespace", "scheme-host-case", "query-kept", "unparsable"],
)
def test_normalize_link(link: str, expected: str) -> None:
    assert normalize_link(link) == expected


@pytest.mark.parametrize(
    ("items", "limit", "expected"),
    [
        ([article("a", hours_ago=1), article("b", hours_ago=2), article("c", hours_ago=3),
          article("d", hours_ago=4)], 3, ["a", "b", "c"]),
        ([article("old", hours_ago=30), article("new", hours_ago=5)], 3, ["new"]),
        ([article("undated"), article("dated", hours_ago=2)], 3, ["dated"]),
        ([article("c", hours_ago=3), article("a", hours_ago=1), article("b", hours_ago=2)],
         2, ["a", "b"]),
        ([article("future", hours_ago=-48), article("a", hours_ago=0.5)], 1, ["future"]),
        ([article("skew", hours_ago=-0.5), article("a", hours_ago=0.5)], 1, ["skew"]),
        ([article("edge", hours_ago=24), article("past", hours_ago=24.01)], 3, ["edge"]),
        ([article("x", hours_ago=1), article("y", hours_ago=1)], 3, ["x", "y"]),
        ([article("a", hours_ago=1)], 0, []),
        ([], 3, []),
    ],
    ids=["newest-three", "window", "undated-never", "unsorted-input", "future-is-now",
         "small-skew-kept", "window-edge", "ties-keep-order", "limit-zero", "empty"],
)
def test_select_baseline(items: list[Article], limit: int, expected: list[str]) -> None:
    chosen = select_baseline(items, now=NOW, limit=limit)
    assert [a.uid for a in chosen] == expected


def test_select_baseline_window_is_configurable() -> None:
    items = [article("a", hours_ago=1), article("b", hours_ago=5)]
    assert [a.uid for a in select_baseline(items, now=NOW, window=timedelta(hours=2))] == ["a"]


@pytest.mark.parametrize(
    ("uids", "expected"),
    [
        (["a", "b", "c"], ["a", "b", "c"]),
        (["a", "b", "a", "c", "b"], ["a", "b", "c"]),
        ([], []),
    ],
    ids=["distinct", "duplicates", "empty"],
)
def test_dedupe_within_feed(uids: list[str], expected: list[str]) -> None:
    items = [article(uid, title=f"{uid}-{i}") for i, uid in enumerate(uids)]
    kept = dedupe_within_feed(items)
    assert [a.uid for a in kept] == expected
    # the first occurrence wins
    assert all(a.title.endswith(f"-{uids.index(a.uid)}") for a in kept)
    # the same choice by uids alone, as positions
    assert first_of_each(uids) == [uids.index(uid) for uid in expected]


@pytest.mark.parametrize(
    ("uids", "expected"),
    [
        (["g:1", "g:2", "g:3"], [0, 1, 2]),
        (["g:1", "g:1", "g:2", "g:1"], [0, 2]),
        (["h:x", "l:y", "h:x", "g:z", "l:y"], [0, 1, 3]),
        (["g:1"], [0]),
        ([], []),
    ],
    ids=["distinct", "repeated-guid-keeps-first", "mixed-kinds", "one", "empty"],
)
def test_first_of_each(uids: list[str], expected: list[int]) -> None:
    assert first_of_each(uids) == expected
