"""Execute `/news …` commands against the store and answer with a neutral, localized `Reply`.

Adapters translate their platform's slash command into (Caller, text) and render the Reply.
Nothing is stored when a command is invalid.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta

from bot.core import commands as c
from bot.core.digest import build_digest
from bot.core.i18n import t
from bot.core.models import Caller, Channel, Lang, Mode, PendingItem, Reply
from bot.core.routing import build_routing
from bot.localize import articles_by_key, localize_digest
from bot.ports import Clock, Summarizer
from bot.service import summarize_article
from bot.store.sql import SqlStore

log = logging.getLogger(__name__)

HELP_LINES = (
    "/news subscribe SNOW DEEPSEEK watchlist:tech",
    "/news unsubscribe SNOW",
    "/news list",
    "/news summary [SYMBOL|keyword] [24h|7d]",
    "/news settings lang de|en",
    "/news settings mode instant|digest",
    "/news settings schedule 08:00,17:30 [Europe/Berlin]",
    "/news settings quiet 22:00-07:00|off",
    "/news settings timezone Europe/Berlin",
    "/news why <url>",
)


class CommandService:
    def __init__(
        self,
        *,
        store: SqlStore,
        clock: Clock,
        digest_max_items: int = 20,
        reference: Mapping[str, tuple[str, ...]] | None = None,
        summarizer: Summarizer | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._digest_max_items = digest_max_items
        self._reference = reference  # company names for tickers without their own
        self._summarizer = summarizer  # optional LLM: summaries in the channel's language

    async def handle(self, caller: Caller, text: str) -> Reply:
        existing = await self._store.get_channel(caller.channel)
        lang: Lang = existing.lang if existing else (caller.locale or "en")
        try:
            command = c.parse_command(text)
        except c.CommandError as exc:
            return Reply(lines=(t(lang, exc.msgid, **exc.params),), error=True)
        if isinstance(command, c.Help):
            return self._help(lang)
        channel = existing or await self._store.ensure_channel(
            caller.channel, now=self._clock.now(), lang=lang)
        return await self._execute(command, channel, lang)

    def _help(self, lang: Lang) -> Reply:
        return Reply(lines=(t(lang, "newsbot posts matching news to this channel. Commands:"),
                            *HELP_LINES))

    async def _execute(self, command: c.Command, channel: Channel, lang: Lang) -> Reply:
        now = self._clock.now()
        match command:
            case c.Subscribe(targets):
                added = await self._store.subscribe(channel.id, targets, now=now)
                if not added:
                    return Reply(lines=(t(lang, "Already subscribed: {targets}",
                                          targets=", ".join(targets)),))
                return Reply(lines=(t(lang, "Subscribed: {targets}", targets=", ".join(added)),))
            case c.Unsubscribe(targets):
                removed = await self._store.unsubscribe(channel.id, targets)
                if not removed:
                    return Reply(lines=(t(lang, "Not subscribed: {targets}",
                                          targets=", ".join(targets)),), error=True)
                return Reply(lines=(t(lang, "Unsubscribed: {targets}",
                                      targets=", ".join(removed)),))
            case c.ListSubscriptions():
                return await self._list(channel, lang)
            case c.Summary(key, window):
                return await self._summary(channel, lang, key, window.total_seconds())
            case c.SetLang(new_lang):
                await self._store.ensure_channel(channel.ref, now=now, lang=new_lang)
                return Reply(lines=(t(new_lang, "Language set to {lang}.", lang=new_lang),))
            case c.SetMode(mode):
                await self._store.ensure_channel(channel.ref, now=now, mode=mode.value)
                msgid = ("New matches are posted right away." if mode is Mode.INSTANT
                         else "New matches are collected for the scheduled digests.")
                return Reply(lines=(t(lang, msgid),))
            case c.SetSchedule(times, tz):
                settings: dict[str, object] = {"schedule": list(times)}
                if tz:
                    settings["timezone"] = tz
                await self._store.ensure_channel(channel.ref, now=now, **settings)
                return Reply(lines=(t(lang, "Digest times: {times} ({tz})",
                                      times=", ".join(times), tz=tz or channel.timezone),))
            case c.SetQuiet(quiet):
                await self._store.ensure_channel(channel.ref, now=now, quiet=quiet)
                if quiet is None:
                    return Reply(lines=(t(lang, "Quiet hours are off."),))
                return Reply(lines=(t(lang, "Quiet hours: {range}", range=quiet),))
            case c.SetTimezone(tz):
                await self._store.ensure_channel(channel.ref, now=now, timezone=tz)
                return Reply(lines=(t(lang, "Time zone set to {tz}.", tz=tz),))
            case c.Why(_url):
                return Reply(lines=(t(lang, "“why” arrives with the matcher explanations."),),
                             error=True)
        raise AssertionError(f"unhandled command {command!r}")

    async def _list(self, channel: Channel, lang: Lang) -> Reply:
        feeds = await self._store.list_feeds()
        failing = [f for f in feeds if f.error_count or f.disabled_reason]
        subs = ", ".join(channel.subscriptions) or t(lang, "(none)")
        schedule = ", ".join(channel.schedule) or t(lang, "(none)")
        lines = [
            t(lang, "Subscriptions: {subs}", subs=subs),
            t(lang, "Language: {lang} · mode: {mode} · time zone: {tz}",
              lang=channel.lang, mode=channel.mode.value, tz=channel.timezone),
            t(lang, "Digest times: {times}", times=schedule),
            t(lang, "Quiet hours: {range}", range=channel.quiet or t(lang, "(none)")),
            t(lang, "Feeds: {ok} healthy, {failing} failing",
              ok=str(len(feeds) - len(failing)), failing=str(len(failing))),
        ]
        return Reply(lines=tuple(lines))

    async def _summary(self, channel: Channel, lang: Lang, key: str | None,
                       window_s: float) -> Reply:
        """An on-demand digest from stored entries: no fetching in the request path."""
        now = self._clock.now()
        subscriptions: Sequence[str] = (key,) if key else channel.subscriptions
        if not subscriptions:
            return Reply(lines=(t(lang, "This channel has no subscriptions yet."),), error=True)
        routing = build_routing(
            [Channel(id=channel.id, ref=channel.ref, subscriptions=tuple(subscriptions))],
            await self._store.list_watchlists(),
            reference=self._reference,
        )
        articles = await self._store.recent_articles(since=now - timedelta(seconds=window_s))
        items = [
            PendingItem(delivery_id=0, article=a, matches=r.matches, created_at=now)
            for a in articles for r in routing.route([a])
        ]
        if not items:
            return Reply(lines=(t(lang, "No matching news in this period."),))
        digest = build_digest(items=items, lang=lang, timezone=channel.timezone, now=now,
                              instant=False, summarize=summarize_article,
                              max_items=self._digest_max_items)
        digest = await localize_digest(digest, articles=articles_by_key(articles),
                                       summarizer=self._summarizer,
                                       label=f"{channel.ref} /news summary")
        return Reply(lines=(), digest=digest, ephemeral=False)
