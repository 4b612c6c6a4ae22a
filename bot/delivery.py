"""Delivering one channel's pending stories: the alert limit, quiet hours and digest times
decide whether now is the time; the digest is composed, localized and sent; the outbox rows
are marked sent, or released for a retry when the platform refuses (README "When a platform
refuses a message").

Alert limit: an instant channel gets at most `alert_max_per_hour` stories in any rolling
hour (`NEWSBOT_ALERT_MAX_PER_HOUR`, 0 = no limit). Stories beyond it stay pending, oldest
first out, and go with the next message once the stories sent an hour ago leave the window:
nothing is dropped or sent twice. Digests (which come at their own times) and `--once`
(`force`) are not limited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from bot.core.digest import build_digest
from bot.core.models import Article, Channel, Match, Mode
from bot.core.schedule import digest_due, in_quiet_hours
from bot.core.summarize import summarize
from bot.errors import (
    ChannelUnavailable,
    PermanentError,
    RateLimited,
    TransientError,
)
from bot.localize import articles_by_key, localize_digest
from bot.ports import ChatAdapter, Clock, Summarizer
from bot.store.sql import SqlStore

log = logging.getLogger(__name__)

RETRY_SEND_AFTER = timedelta(seconds=60)
RETRY_PERMANENT_AFTER = timedelta(hours=1)
ALERT_WINDOW = timedelta(hours=1)
MAX_CLAIM = 200  # pending rows composed into one message at most
RENEW_SHARE = 3  # a claim being sent is renewed every third of the delivery lease


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    channel: str
    # held: quiet hours or not digest time; limited: the channel's hourly alert limit is used up
    status: Literal["sent", "held", "limited", "failed", "paused", "no_adapter"]
    items: int = 0
    error: str | None = None


def summarize_article(article: Article, matches: tuple[Match, ...]) -> str:
    return summarize(
        title=article.title, text=article.text, lang=article.lang,
        focus_terms=tuple(dict.fromkeys(m.term for m in matches)),
        description=article.description,
    )


class ChannelDelivery:
    """Sends one channel's pending outbox rows; `NewsService.deliver_due` runs it for every
    channel with something pending."""

    def __init__(
        self,
        *,
        store: SqlStore,
        clock: Clock,
        adapters: Mapping[str, ChatAdapter],
        owner: str,
        delivery_lease: timedelta,
        alert_max_per_hour: int,
        digest_max_items: int,
        summarizer: Summarizer | None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._adapters = adapters
        self._owner = owner
        # how long a crashed worker's claims block the others (DESIGN §6)
        self._delivery_lease_s = delivery_lease.total_seconds()
        self._alert_max_per_hour = alert_max_per_hour
        self._digest_max_items = digest_max_items
        self._summarizer = summarizer  # optional LLM: summaries in the channel's language

    async def deliver(self, channel: Channel, *, force: bool) -> DeliveryOutcome:
        """Compose and send what this channel has pending, if it is due (always with
        `force`); a refused send leaves the rows pending, retried later or paused."""
        name = str(channel.ref)
        adapter = self._adapters.get(channel.ref.platform)
        if adapter is None:
            return DeliveryOutcome(name, "no_adapter")
        if channel.paused is not None:
            # the platform refused this channel: nothing is sent (nor lost) until it resumes
            return DeliveryOutcome(name, "paused", error=channel.paused)
        now = self._clock.now()
        if not force:
            if in_quiet_hours(now, channel.quiet, channel.timezone):
                return DeliveryOutcome(name, "held")
            if channel.mode is Mode.DIGEST:
                created, last = await self._store.channel_meta(channel.id)
                if not digest_due(now, last, channel.schedule, channel.timezone, created=created):
                    return DeliveryOutcome(name, "held")
        limit = MAX_CLAIM
        if not force and channel.mode is Mode.INSTANT and self._alert_max_per_hour > 0:
            sent = await self._store.count_sent_since(channel.id, since=now - ALERT_WINDOW)
            limit = min(limit, self._alert_max_per_hour - sent)
            if limit <= 0:
                return DeliveryOutcome(name, "limited")
        items = await self._store.claim_deliveries(channel.id, owner=self._owner, now=now,
                                                   lease_s=self._delivery_lease_s, limit=limit)
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
            async with self._renewing(ids):
                await adapter.send_digest(channel.ref.external_id, digest)
        except RateLimited as exc:
            # the platform's own wait, never less than a second: the outbox re-sends then
            wait = timedelta(seconds=max(1.0, exc.retry_after_s))
            await self._store.release(ids, error=str(exc), retry_at=now + wait)
            return DeliveryOutcome(name, "failed", len(items), str(exc))
        except TransientError as exc:
            await self._store.release(ids, error=str(exc), retry_at=now + RETRY_SEND_AFTER)
            return DeliveryOutcome(name, "failed", len(items), str(exc))
        except ChannelUnavailable as exc:
            await self._store.release(ids, error=str(exc))
            if await self._store.set_channel_paused(channel.id, str(exc)):
                log.warning("%s paused: %s", name, exc)
            return DeliveryOutcome(name, "paused", len(items), str(exc))
        except PermanentError as exc:
            # e.g. a revoked token: try again much later instead of hammering the platform
            await self._store.release(ids, error=str(exc), retry_at=now + RETRY_PERMANENT_AFTER)
            return DeliveryOutcome(name, "failed", len(items), str(exc))
        sent_at = self._clock.now()
        await self._store.mark_sent(ids, now=sent_at)
        if channel.mode is Mode.DIGEST:
            await self._store.set_last_digest(channel.id, now=sent_at)
        return DeliveryOutcome(name, "sent", len(items))

    @asynccontextmanager
    async def _renewing(self, ids: list[int]) -> AsyncIterator[None]:
        """Keep the claim on `ids` while they are being sent: a send can outlast the lease
        (a split digest at Slack's 1 message/s, a rate-limit wait), and another worker would
        then claim and post the same stories again."""
        renewal = asyncio.create_task(self._renew(ids))
        try:
            yield
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal

    async def _renew(self, ids: list[int]) -> None:
        every = self._delivery_lease_s / RENEW_SHARE
        while True:
            await asyncio.sleep(every)
            until = self._clock.now() + timedelta(seconds=self._delivery_lease_s)
            try:
                held = await self._store.renew_deliveries(ids, owner=self._owner, until=until)
            except TransientError as exc:  # the next renewal may get through
                log.warning("could not renew the claim on %d deliveries: %s", len(ids), exc)
                continue
            if held < len(ids):
                log.warning("%d of %d deliveries being sent were claimed by another worker "
                            "meanwhile: they may be posted twice", len(ids) - held, len(ids))
