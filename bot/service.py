"""Use cases: poll due feeds into the outbox, deliver due alerts and digests.

Batch work returns per-item outcomes: one broken feed or channel never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bot.core.dedupe import dedupe_within_feed, select_baseline
from bot.core.digest import build_digest
from bot.core.models import Article, Channel, FeedState, Match, Mode
from bot.core.routing import RoutingTable, build_routing
from bot.core.schedule import (
    DISABLE_AFTER_ERRORS,
    digest_due,
    in_quiet_hours,
    next_poll_at,
)
from bot.core.summarize import summarize
from bot.errors import FetchError, ParseError, PermanentError, TransientError
from bot.feeds.parse import parse_feed
from bot.localize import articles_by_key, localize_digest
from bot.ports import ChatAdapter, Clock, FeedFetcher, Summarizer
from bot.store.sql import SqlStore

log = logging.getLogger(__name__)

RETRY_SEND_AFTER = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class PollOutcome:
    url: str
    status: Literal["new", "unchanged", "not_modified", "error", "disabled"]
    new_entries: int = 0
    routed: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    channel: str
    status: Literal["sent", "held", "failed", "no_adapter"]
    items: int = 0
    error: str | None = None


def summarize_article(article: Article, matches: tuple[Match, ...]) -> str:
    return summarize(
        title=article.title, text=article.text, lang=article.lang,
        focus_terms=tuple(dict.fromkeys(m.term for m in matches)),
        description=article.description,
    )


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
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._clock = clock
        self._adapters = adapters
        self._owner = owner
        self._limit = asyncio.Semaphore(concurrency)
        self._baseline_items = baseline_items
        self._baseline_window = baseline_window
        self._digest_max_items = digest_max_items
        self._reference = reference  # company names for tickers without their own
        self._summarizer = summarizer  # optional LLM: summaries in the channel's language

    # --- polling ------------------------------------------------------------------------------

    async def poll_due_feeds(self, *, force: bool = False) -> list[PollOutcome]:
        """Poll every due feed (all enabled feeds with `force`) concurrently."""
        now = self._clock.now()
        feeds = await self._store.due_feeds(now, force=force)
        if not feeds:
            return []
        routing = await self.load_routing()

        async def one(feed: FeedState) -> PollOutcome:
            async with self._limit:
                try:
                    return await self._poll_feed(feed, routing)
                except TransientError as exc:  # e.g. the database is locked: retry next tick
                    return PollOutcome(feed.url, "error", error=str(exc))

        return list(await asyncio.gather(*(one(f) for f in feeds)))

    async def load_routing(self) -> RoutingTable:
        channels = await self._store.list_channels()
        watchlists = await self._store.list_watchlists()
        return build_routing(channels, watchlists, reference=self._reference)

    async def _poll_feed(self, feed: FeedState, routing: RoutingTable) -> PollOutcome:
        url = feed.url
        try:
            result = await self._fetcher.fetch(
                feed.url, etag=feed.etag, last_modified=feed.last_modified)
        except FetchError as exc:
            return await self._record_error(feed.id, feed.url, feed.interval_s,
                                            feed.error_count, exc)
        now = self._clock.now()
        if result.not_modified:
            await self._store.record_not_modified(feed.id, now=now, next_poll_at=next_poll_at(
                now, interval_s=feed.interval_s, max_age_s=result.max_age_s))
            return PollOutcome(url, "not_modified")
        try:
            parsed = parse_feed(result.body, source=url, content_type=result.content_type)
        except ParseError as exc:
            return await self._record_error(feed.id, feed.url, feed.interval_s,
                                            feed.error_count, exc)
        articles = dedupe_within_feed(parsed.articles)
        known = await self._store.known_uids(feed.id, (a.uid for a in articles))
        new = [a for a in articles if a.uid not in known]
        if feed.baselined:
            deliverable: tuple[Article, ...] | list[Article] = new
        else:  # first poll: record the backlog as seen, deliver only the newest recent items
            deliverable = select_baseline(new, now=now, limit=self._baseline_items,
                                          window=self._baseline_window)
        routes = routing.route(deliverable)
        added = await self._store.record_poll(
            feed.id, now=now, articles=new, routes=routes, etag=result.etag,
            last_modified=result.last_modified, title=parsed.title,
            next_poll_at=next_poll_at(now, interval_s=feed.interval_s, max_age_s=result.max_age_s),
        )
        return PollOutcome(url, "new" if added else "unchanged", new_entries=added,
                           routed=len(routes))

    async def _record_error(self, feed_id: int, url: str, interval_s: int, errors: int,
                            exc: FetchError | ParseError) -> PollOutcome:
        now = self._clock.now()
        retry_after = exc.retry_after_s if isinstance(exc, FetchError) else None
        gone = isinstance(exc, FetchError) and exc.status == 410
        disable = None
        if gone:
            disable = f"gone (HTTP 410): {exc}"
        elif errors + 1 >= DISABLE_AFTER_ERRORS:
            disable = f"{errors + 1} failed polls in a row, last: {exc}"
        await self._store.record_feed_error(
            feed_id, now=now, error=str(exc), disable=disable,
            next_poll_at=next_poll_at(now, interval_s=interval_s, error_count=errors + 1,
                                      retry_after_s=retry_after),
        )
        log.warning("feed %s failed: %s", url, exc)
        return PollOutcome(url, "disabled" if disable else "error", error=str(exc))

    # --- delivery -----------------------------------------------------------------------------

    async def deliver_due(self, *, force: bool = False) -> list[DeliveryOutcome]:
        """Send pending alerts, and digests whose time has come (all of them with `force`)."""
        pending = set(await self._store.channels_with_pending())
        if not pending:
            return []
        outcomes = []
        for channel in await self._store.list_channels():
            if channel.id in pending:
                outcomes.append(await self._deliver_channel(channel, force=force))
        return outcomes

    async def _deliver_channel(self, channel: Channel, *, force: bool) -> DeliveryOutcome:
        name = str(channel.ref)
        adapter = self._adapters.get(channel.ref.platform)
        if adapter is None:
            return DeliveryOutcome(name, "no_adapter")
        now = self._clock.now()
        if not force:
            if in_quiet_hours(now, channel.quiet, channel.timezone):
                return DeliveryOutcome(name, "held")
            if channel.mode is Mode.DIGEST:
                created, last = await self._store.channel_meta(channel.id)
                if not digest_due(now, last, channel.schedule, channel.timezone, created=created):
                    return DeliveryOutcome(name, "held")
        items = await self._store.claim_deliveries(channel.id, owner=self._owner, now=now)
        if not items:
            return DeliveryOutcome(name, "held")
        digest = build_digest(
            items=items, lang=channel.lang, timezone=channel.timezone, now=now,
            instant=channel.mode is Mode.INSTANT, summarize=summarize_article,
            max_items=self._digest_max_items,
        )
        digest = await localize_digest(
            digest, articles=articles_by_key(item.article for item in items),
            summarizer=self._summarizer, label=name,
        )
        ids = [item.delivery_id for item in items]
        try:
            await adapter.send_digest(channel.ref.external_id, digest)
        except TransientError as exc:
            await self._store.release(ids, error=str(exc), retry_at=now + RETRY_SEND_AFTER)
            return DeliveryOutcome(name, "failed", len(items), str(exc))
        except PermanentError as exc:
            await self._store.release(ids, error=str(exc))
            return DeliveryOutcome(name, "failed", len(items), str(exc))
        sent_at = self._clock.now()
        await self._store.mark_sent(ids, now=sent_at)
        if channel.mode is Mode.DIGEST:
            await self._store.set_last_digest(channel.id, now=sent_at)
        return DeliveryOutcome(name, "sent", len(items))
