"""A claim returns the feeds exactly as a look without one sees them: on PostgreSQL the claim
is one statement of its own (bot/store/polls_pg.py), the look goes through the ORM, and the
poller relies on both giving the same states in the same order (due feeds oldest first,
then paused ones; `next_poll_at` as it was before the lease)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store.sql import SqlStore

NOW = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


async def _feeds(store: SqlStore) -> None:
    """Feeds in every state a claim meets: due long ago and just now, never polled, later,
    paused with a probe due and not yet due, stopped, with validators, title, body hash and
    a redirect in progress."""
    due = {"old": -90, "recent": -1, "now": 0, "later": 60, "never": None}
    for name, minutes in due.items():
        feed = await store.upsert_feed(f"https://example.org/{name}", interval_s=900, now=NOW)
        if name == "never":
            continue
        await store.record_poll(feed.id, now=NOW, articles=[], routes=[],
                                etag=f'"{name}"', last_modified="Sun, 29 Nov 2026 08:00:00 GMT",
                                title=f"Feed {name}", body_hash=f"hash-{name}",
                                next_poll_at=NOW + timedelta(minutes=minutes or 0))
    for name, minutes, disable in (("probe", -5, "paused"), ("probe-later", 30, "paused"),
                                   ("stopped", None, "gone")):
        feed = await store.upsert_feed(f"https://example.org/{name}", interval_s=600, now=NOW)
        await store.record_feed_failure(
            feed.id, now=NOW, error="HTTP 500", disable=disable,
            next_poll_at=None if minutes is None else NOW + timedelta(minutes=minutes))
    moving = await store.upsert_feed("https://example.org/moving", interval_s=600, now=NOW)
    await store.note_redirect(moving.id, url="https://example.org/moved", polls=2)


@pytest.mark.parametrize(("force", "limit", "paused_limit"), [
    (False, 10, 10), (False, 2, 1), (True, 10, 10), (False, 0, 10), (False, 10, 0),
], ids=["due-and-paused", "limited", "forced", "paused-only", "due-only"])
async def test_a_claim_returns_what_a_look_sees_in_its_order(
        store: SqlStore, force: bool, limit: int, paused_limit: int) -> None:
    await _feeds(store)
    look = await store.claim_due(NOW, force=force, limit=limit, paused_limit=paused_limit)
    claimed = await store.claim_due(NOW, force=force, limit=limit, paused_limit=paused_limit,
                                    owner="w1", lease_s=120)
    assert claimed == look
    assert claimed  # every case claims something
    # leased: their next poll is the lease's end now, and a second worker gets none of them
    # (a forced pass, `--once`, takes every enabled feed whatever its lease)
    after = {f.id: f.next_poll_at for f in await store.list_feeds()}
    assert {after[f.id] for f in claimed} == {NOW + timedelta(seconds=120)}
    if force:
        return
    again = await store.claim_due(NOW, force=force, limit=limit, paused_limit=paused_limit,
                                  owner="w2", lease_s=120)
    assert not {f.id for f in again} & {f.id for f in claimed}
