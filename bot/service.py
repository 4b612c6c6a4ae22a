"""Use cases: poll due feeds into the outbox, deliver due alerts and digests.

Batch work returns per-item outcomes: one broken feed or channel never stops the others.

Feed health (rules in `bot.core.health`): a feed answering 410 is stopped, one failing
`DISABLE_AFTER_ERRORS` times in a row is paused and probed once a day; the channels it fed
in the last 30 days are told, in their language, and told again when a paused feed is back.

Sending one channel's stories (alert limit, quiet hours, digest times, refused sends) is
`bot.delivery.ChannelDelivery`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.core.dedupe import first_of_each, select_baseline
from bot.core.fairness import round_robin_by_host, take_per_host
from bot.core.health import (
    AUDIENCE_WINDOW,
    PAUSED_PROBE_S,
    Transition,
    build_feed_notice,
    failure_transition,
)
from bot.core.models import Article, Channel, FeedState, Watchlist
from bot.core.routing import RoutingTable, build_routing
from bot.core.schedule import in_quiet_hours, next_poll_at
from bot.delivery import ChannelDelivery, DeliveryOutcome
from bot.errors import (
    FetchError,
    ParseError,
    PermanentError,
    TransientError,
)
from bot.feed_moves import follow_redirect
from bot.feeds.parse import ParsedEntries, parse_feed_entries
from bot.ports import ChatAdapter, Clock, FeedFetcher, FetchResult, Summarizer
from bot.store.feeds import UnchangedPoll
from bot.store.polls import PollWriter
from bot.store.sql import SqlStore

log = logging.getLogger(__name__)

# the share of the feed lease a single poll may take (`_poll_batch`)
POLL_DEADLINE_SHARE = 0.8
# retention (`prune_entries`): a feed's newest entries stay whatever their age, so an item it
# still lists is never taken for new; batches keep each delete transaction short
KEEP_PER_FEED = 1000
PRUNE_BATCH = 5000
PRUNE_MAX_BATCHES = 20


@dataclass(frozen=True, slots=True)
class PollOutcome:
    url: str
    status: Literal["new", "unchanged", "not_modified", "error", "disabled"]
    new_entries: int = 0
    routed: int = 0
    error: str | None = None
    transition: Transition | None = None  # the health change this poll made (channels told)


@dataclass(frozen=True, slots=True)
class _Notice:
    """A feed health notice for one channel; its text is made when it is sent, in the
    channel's language of that moment."""

    channel_id: int
    feed_id: int
    transition: Transition
    title: str
    url: str
    errors: int


@dataclass(frozen=True, slots=True)
class _CachedRouting:
    revision: int  # the database's routing revision it was loaded at
    source: tuple[list[Channel], list[Watchlist]]
    table: RoutingTable


class NewsService:
    def __init__(
        self,
        *,
        store: SqlStore,
        fetcher: FeedFetcher,
        clock: Clock,
        adapters: Mapping[str, ChatAdapter],
        owner: str,
        concurrency: int = 16,
        baseline_items: int = 3,
        baseline_window: timedelta = timedelta(hours=24),
        digest_max_items: int = 20,
        reference: Mapping[str, tuple[str, ...]] | None = None,
        summarizer: Summarizer | None = None,
        alert_max_per_hour: int = 20,
        feed_lease: timedelta = timedelta(seconds=300),
        delivery_lease: timedelta = timedelta(seconds=120),
        fast_parse: bool = True,
        per_host: int | None = None,
        entry_retention: timedelta | None = None,
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._clock = clock
        self._adapters = adapters
        self._owner = owner
        self._concurrency = concurrency
        self._limit = asyncio.Semaphore(concurrency)
        self._baseline_items = baseline_items
        self._baseline_window = baseline_window
        self._reference = reference  # company names for tickers without their own
        # how long a crashed worker's claims block the others (DESIGN §6)
        self._feed_lease_s = feed_lease.total_seconds()
        self._fast_parse = fast_parse  # lxml first, feedparser for what it declines
        self._per_host = per_host  # the fetcher's per-host limit: a batch takes no more
        self._entry_retention = entry_retention  # None: entries are kept forever
        # notices for channels in quiet hours, sent when they end (kept in memory only)
        self._held_notices: list[_Notice] = []
        self._routing: _CachedRouting | None = None
        self._delivery = ChannelDelivery(
            store=store, clock=clock, adapters=adapters, owner=owner,
            delivery_lease=delivery_lease, alert_max_per_hour=alert_max_per_hour,
            digest_max_items=digest_max_items, summarizer=summarizer)

    # --- polling ------------------------------------------------------------------------------

    async def poll_due_feeds(self, *, force: bool = False) -> list[PollOutcome]:
        """Poll every due feed (all enabled feeds with `force`) concurrently, and probe the
        paused feeds whose probe is due.

        Feeds are claimed a batch of `concurrency` at a time, each batch when the one before
        is done, until none is due: a claim's lease must outlast the wait for its fetch, and
        claiming all due feeds at once let leases run out while feeds queued behind the
        fetch limits, so another worker fetched them again (tests/test_workers.py)."""
        if self._held_notices:  # (here too: a poll-only worker must send them as well)
            await self._send_held_notices(force=False)
        routing: RoutingTable | None = None
        outcomes: list[PollOutcome] = []
        while True:
            now = self._clock.now()
            # claimed: another worker on the same PostgreSQL skips them until they are done
            # --once (`force`): one pass over all feeds, up to the store's usual limits
            due, paused = (500, 100) if force else (self._concurrency, self._concurrency)
            feeds = await self._store.claim_due(now, force=force, owner=self._owner,
                                                lease_s=self._feed_lease_s, limit=due,
                                                paused_limit=paused)
            if not feeds:
                return outcomes
            if self._per_host is not None and not force:
                # more of one host would wait for it with their leases running: give them
                # back for the next batch (bot.core.fairness)
                feeds, later = take_per_host(feeds, self._per_host)
                await self._store.release_feeds(later, owner=self._owner)
            feeds = round_robin_by_host(feeds)  # hosts in turn: see bot.core.fairness
            routing = routing or await self.load_routing()
            outcomes += await self._poll_batch(feeds, routing)
            if force:
                return outcomes

    async def _poll_batch(self, feeds: list[FeedState], routing: RoutingTable
                          ) -> list[PollOutcome]:
        # the batch's unchanged polls are written together at its end: a transaction per
        # feed cost more than the rest of an unchanged poll (bench/pipeline.py)
        unchanged: list[UnchangedPoll] = []

        # a poll must end while its claim holds: one that hangs (a database call that never
        # returns) is abandoned and logged, instead of holding its batch, and so the tick,
        # silently; the feed is polled again when the claim runs out
        deadline = self._feed_lease_s * POLL_DEADLINE_SHARE

        async def one(feed: FeedState) -> PollOutcome:
            async with self._limit:
                try:
                    async with asyncio.timeout(deadline):
                        return await self._poll_feed(feed, routing, unchanged)
                except TransientError as exc:  # e.g. the database is locked: retry next tick
                    # nothing recorded: polled again when the claim runs out
                    log.warning("feed %s: poll not recorded: %s", feed.url, exc)
                    return PollOutcome(feed.url, "error", error=str(exc))
                except TimeoutError:
                    error = f"poll abandoned after {deadline:g} s (the claim would run out)"
                    log.error("feed %s: %s", feed.url, error)
                    return PollOutcome(feed.url, "error", error=error)

        outcomes = list(await asyncio.gather(*(one(f) for f in feeds)))
        if not unchanged:
            return outcomes
        try:
            await self._store.record_unchanged(unchanged)
        except TransientError as exc:  # not recorded: polled again when their leases run out
            lost = {poll.feed_id for poll in unchanged}
            outcomes = [PollOutcome(o.url, "error", error=str(exc)) if f.id in lost else o
                        for f, o in zip(feeds, outcomes, strict=True)]
        return outcomes

    async def prune_entries(self) -> int:
        """Forget entries first seen longer ago than the retention, except the newest
        `KEEP_PER_FEED` of every feed (bot/store/retention.py); batch by batch, each its own
        short transaction. Returns how many went."""
        if self._entry_retention is None:
            return 0
        before = self._clock.now() - self._entry_retention
        removed = 0
        for _ in range(PRUNE_MAX_BATCHES):
            batch = await self._store.prune_entries(before=before, keep_per_feed=KEEP_PER_FEED,
                                                    limit=PRUNE_BATCH)
            removed += batch
            if batch < PRUNE_BATCH:
                break
        if removed:
            log.info("forgot %d entries first seen before %s", removed, before.date())
        return removed

    async def load_routing(self) -> RoutingTable:
        """The routing of the channels and watchlists as stored now. The database counts
        their changes (`routing_sources`): while the count stands still, one small query
        replaces reading every channel and watchlist entry (15 ms per tick with 500
        entries), and the compiled table is reused; it is compiled again only when what it
        is built from differs (bench/pipeline.py)."""
        cached = self._routing
        loaded = await self._store.routing_sources(
            unless=None if cached is None else cached.revision)
        if loaded is None:  # the revision `cached` was loaded at
            assert cached is not None
            return cached.table
        revision, channels, watchlists = loaded
        source = (channels, watchlists)
        if cached is None or cached.source != source:
            table = build_routing(channels, watchlists, reference=self._reference)
        else:
            table = cached.table
        self._routing = _CachedRouting(revision, source, table)
        return table

    async def _poll_feed(self, feed: FeedState, routing: RoutingTable,
                         unchanged: list[UnchangedPoll] | None = None) -> PollOutcome:
        try:
            result = await self._fetcher.fetch(
                feed.url, etag=feed.etag, last_modified=feed.last_modified)
        except FetchError as exc:
            return await self._record_error(feed, exc)
        # an unchanged poll goes into the batch's `unchanged`, unless the feed also moves,
        # resumes or is paused now: then it is written at once, before those changes
        plain = (result.permanent_url is None and feed.redirect_url is None
                 and feed.disabled_reason is None)
        outcome = await self._use_fetched(feed, result, routing, unchanged if plain else None)
        if outcome.status in ("new", "unchanged", "not_modified"):
            # the target served the feed: a permanent redirect counts (bot.core.redirects)
            await follow_redirect(self._store, feed, result.permanent_url,
                                  now=self._clock.now())
        return outcome

    async def _use_fetched(self, feed: FeedState, result: FetchResult, routing: RoutingTable,
                           defer: list[UnchangedPoll] | None = None) -> PollOutcome:
        url = feed.url
        now = self._clock.now()
        if result.not_modified:
            await self._record_unchanged(UnchangedPoll(feed.id, now, next_poll_at(
                now, interval_s=feed.interval_s, max_age_s=result.max_age_s)), defer)
            return PollOutcome(url, "not_modified", transition=await self._recover(feed))
        body_hash = hashlib.sha256(result.body).hexdigest()
        if feed.baselined and body_hash == feed.body_hash:
            # a server without working validators sent the same bytes: nothing to parse
            await self._record_unchanged(UnchangedPoll(
                feed.id, now, validators=(result.etag, result.last_modified),
                next_poll_at=next_poll_at(now, interval_s=feed.interval_s,
                                          max_age_s=result.max_age_s)), defer)
            return PollOutcome(url, "unchanged", transition=await self._recover(feed))
        next_at = next_poll_at(now, interval_s=feed.interval_s, max_age_s=result.max_age_s)
        try:
            parsed = parse_feed_entries(result.body, source=url,
                                        content_type=result.content_type, fast=self._fast_parse)
            # the dedupe questions and the write: one transaction on PostgreSQL
            async with self._store.poll_writer(feed.id) as writer:
                new = await self._new_articles(feed, parsed, writer)
                if feed.baselined:
                    deliverable: tuple[Article, ...] | list[Article] = new
                else:  # first poll: record the backlog as seen, deliver the newest recent
                    deliverable = select_baseline(new, now=now, limit=self._baseline_items,
                                                  window=self._baseline_window)
                routes = routing.route(deliverable)
                added = await writer.record_poll(
                    now=now, articles=new, routes=routes, etag=result.etag,
                    last_modified=result.last_modified, title=parsed.title,
                    body_hash=body_hash, next_poll_at=next_at)
        except ParseError as exc:  # (an entry's build may fail: nothing was written)
            return await self._record_error(feed, exc)
        return PollOutcome(url, "new" if added else "unchanged", new_entries=added,
                           routed=len(routes), transition=await self._recover(feed))

    async def _new_articles(self, feed: FeedState, parsed: ParsedEntries,
                            writer: PollWriter) -> list[Article]:
        """The entries of `parsed` this feed has not stored, in feed order. Only they are
        normalized: guids and links tell the known ones apart without the HTML work, which
        was most of a changed poll's parse (bench/scale.md)."""
        uids = [parsed.uid(i) for i in range(len(parsed))]
        kept = first_of_each(uids)  # a repeated uid keeps its first entry, the newest

        def unknown(known: set[str]) -> tuple[Article, ...]:
            return parsed.build(i for i in kept if uids[i] not in known)

        # once baselined, a new id for a story already here, word for word (rotating
        # GUIDs), is not news either: the store checks the unknown entries' content hashes
        known, repeated = await writer.known_entries(
            [uids[i] for i in kept], stories=unknown if feed.baselined else None)
        return [a for a in unknown(known) if a.uid not in repeated]

    async def _record_unchanged(self, poll: UnchangedPoll,
                                defer: list[UnchangedPoll] | None) -> None:
        if defer is None:
            await self._store.record_unchanged([poll])
        else:
            defer.append(poll)

    async def _record_error(self, feed: FeedState, exc: FetchError | ParseError
                            ) -> PollOutcome:
        now = self._clock.now()
        errors = feed.error_count + 1
        retry_after = exc.retry_after_s if isinstance(exc, FetchError) else None
        status = exc.status if isinstance(exc, FetchError) else None
        transition = failure_transition(status=status, errors=errors)
        disable: str | None = None
        next_at: datetime | None
        if transition == "gone":
            disable, next_at = f"gone (HTTP 410): {exc}", None  # never polled again
        elif transition == "paused":
            disable = f"{errors} failed polls in a row, last: {exc}; probed once a day"
            next_at = now + timedelta(seconds=max(PAUSED_PROBE_S, retry_after or 0))
        else:
            next_at = next_poll_at(now, interval_s=feed.interval_s, error_count=errors,
                                   retry_after_s=retry_after)
        won = await self._store.record_feed_failure(
            feed.id, now=now, error=str(exc), next_poll_at=next_at, disable=disable)
        log.warning("feed %s failed: %s", feed.url, exc)
        if won and transition is not None:
            await self._announce(feed, transition, errors=errors)
        return PollOutcome(feed.url, "disabled" if disable else "error", error=str(exc),
                           transition=transition if won else None)

    async def _recover(self, feed: FeedState) -> Transition | None:
        """After a poll that worked: a paused feed is enabled again and its channels told."""
        if feed.disabled_reason is None or not await self._store.reenable_feed(feed.id):
            return None
        log.warning("feed %s works again", feed.url)
        await self._announce(feed, "back", errors=0)
        return "back"

    # --- health notices -----------------------------------------------------------------------

    async def _announce(self, feed: FeedState, transition: Transition, *, errors: int) -> None:
        now = self._clock.now()
        channels = await self._store.channels_fed_by(feed.id, since=now - AUDIENCE_WINDOW)
        if not channels:
            log.warning("feed %s: %s; no channel got its stories in the last %d days, so no "
                        "channel is told", feed.url, transition, AUDIENCE_WINDOW.days)
            return
        for channel in channels:
            notice = _Notice(channel.id, feed.id, transition, feed.title, feed.url, errors)
            if transition == "back" and self._drop_held(channel.id, feed.id):
                continue  # the channel never heard it was off: nothing to tell
            if in_quiet_hours(now, channel.quiet, channel.timezone):
                self._held_notices.append(notice)
            else:
                await self._send_notice(channel, notice)

    def _drop_held(self, channel_id: int, feed_id: int) -> bool:
        kept = [n for n in self._held_notices
                if (n.channel_id, n.feed_id) != (channel_id, feed_id)]
        dropped = len(kept) < len(self._held_notices)
        self._held_notices = kept
        return dropped

    async def _send_notice(self, channel: Channel, notice: _Notice) -> None:
        adapter = self._adapters.get(channel.ref.platform)
        if adapter is None:
            log.warning("no adapter for %s: feed notice not sent", channel.ref)
            return
        text = build_feed_notice(notice.transition, lang=channel.lang, title=notice.title,
                                 url=notice.url, errors=notice.errors)
        try:
            await adapter.send_notice(channel.ref.external_id, text)
        except (TransientError, PermanentError) as exc:  # told at most once: no retry
            log.warning("feed notice to %s failed: %s", channel.ref, exc)

    async def _send_held_notices(self, *, force: bool) -> None:
        held, self._held_notices = self._held_notices, []
        now = self._clock.now()
        for notice in held:
            channel = await self._store.channel_by_id(notice.channel_id)
            if channel is None:
                continue
            if not force and in_quiet_hours(now, channel.quiet, channel.timezone):
                self._held_notices.append(notice)
            else:
                await self._send_notice(channel, notice)

    # --- delivery -----------------------------------------------------------------------------

    async def deliver_due(self, *, force: bool = False) -> list[DeliveryOutcome]:
        """Send pending alerts, and digests whose time has come (all of them with `force`);
        also feed notices held back by quiet hours that have ended."""
        if self._held_notices:
            await self._send_held_notices(force=force)
        pending = set(await self._store.channels_with_pending())
        if not pending:
            return []
        outcomes = []
        for channel in await self._store.list_channels():
            if channel.id in pending:
                outcomes.append(await self._delivery.deliver(channel, force=force))
        return outcomes
