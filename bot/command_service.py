"""Execute `/news …` commands against the store and answer with a neutral, localized `Reply`.

Adapters translate their platform's slash command into (Caller, text) and render the Reply.
Order of checks: permission on the first word (`bot.core.permissions`: a member's `watchlist`
or `feed` command is refused before its arguments are read, and the refusal is the only
trace it leaves: an audit entry), then the grammar (nothing is stored when a command is
invalid), then the permission again on the typed command, then the command. Member
commands live here; admin ones in `commands_watchlist` and `commands_feed`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta

from bot.command_context import Auditor, FetchFeed, Request, UrlCheck, printable
from bot.commands_feed import FeedCommand, FeedCommands
from bot.commands_watchlist import WatchlistCommand, WatchlistCommands
from bot.core import commands as c
from bot.core import permissions
from bot.core.digest import build_digest
from bot.core.explain import explain_lines
from bot.core.help import help_lines
from bot.core.i18n import t
from bot.core.matching import compile_matcher
from bot.core.models import (
    Caller,
    Channel,
    Lang,
    Mode,
    PendingItem,
    Reply,
    TickerEntry,
    Watchlist,
)
from bot.core.routing import WATCHLIST_PREFIX, build_routing, entry_key, resolve_target
from bot.delivery import summarize_article
from bot.localize import articles_by_key, localize_digest
from bot.ports import Clock, Summarizer
from bot.store.sql import SqlStore

log = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 100  # per channel


class CommandService:
    def __init__(
        self,
        *,
        store: SqlStore,
        clock: Clock,
        digest_max_items: int = 20,
        reference: Mapping[str, tuple[str, ...]] | None = None,
        summarizer: Summarizer | None = None,
        fetch: FetchFeed | None = None,
        allow_networks: Sequence[str] = (),
        check_url: UrlCheck | None = None,
    ) -> None:
        """`fetch` is the app's feed fetcher (one fetch per `feed add`); `allow_networks` the
        networks the guard exempts; `check_url` replaces the guard's URL check (tests)."""
        self._store = store
        self._clock = clock
        self._digest_max_items = digest_max_items
        self._reference = reference  # company names for tickers without their own
        self._summarizer = summarizer  # optional LLM: summaries in the channel's language
        self._audit = Auditor(store=store, clock=clock)
        self._watchlists = WatchlistCommands(store=store, clock=clock, auditor=self._audit,
                                             reference=reference)
        self._feeds = FeedCommands(store=store, clock=clock, auditor=self._audit, fetch=fetch,
                                   check_url=check_url, allow_networks=allow_networks)

    async def suggest(self, caller: Caller, field: str, prefix: str) -> list[str]:
        """Completions for a chat client's autocomplete (see bot.suggest)."""
        from bot.suggest import FIELDS, suggest

        kind = FIELDS.get(field)
        if kind is None:
            return []
        return await suggest(self._store, caller, kind, prefix, reference=self._reference)

    async def handle(self, caller: Caller, text: str) -> Reply:
        existing = await self._store.get_channel(caller.channel)
        lang: Lang = existing.lang if existing else (caller.locale or "en")
        req = Request(caller=caller, lang=lang,
                      timezone=existing.timezone if existing else "UTC")
        if permissions.subcommand_needs_admin(c.subcommand_of(text)) and not (
                permissions.may_administer(caller.role)):
            return await self._refuse(req, text)
        try:
            command = c.parse_command(text)
        except c.CommandError as exc:
            return Reply(lines=(t(lang, exc.msgid, **exc.params),), error=True)
        if not permissions.may_run(caller.role, command):
            return await self._refuse(req, text)
        if isinstance(command, c.Help):
            return Reply(lines=tuple(help_lines(
                lang, admin=permissions.may_administer(caller.role))))
        if isinstance(command, WatchlistCommand):
            return await self._watchlists.run(command, req)
        if isinstance(command, FeedCommand):
            return await self._feeds.run(command, req)
        if isinstance(command, c.Why):
            return await self._why(command.url, existing, req)
        channel = existing or await self._store.ensure_channel(
            caller.channel, now=self._clock.now(), lang=lang)
        if channel.paused is not None and await self._store.set_channel_paused(channel.id, None):
            # someone uses the bot here again (re-invited, unarchived): deliveries resume
            channel = replace(channel, paused=None)
        return await self._execute(command, channel, req)

    async def _refuse(self, req: Request, text: str) -> Reply:
        words = [w.lower() for w in text.split()]
        if words and words[0] in {"/news", "news"}:
            words = words[1:]
        action = ".".join(w for w in words[:2] if re.fullmatch(r"[a-z]{1,20}", w)) or "admin"
        await self._audit.record(req, action, detail=printable(text), outcome="refused")
        log.info("refused %s for %s:%s (role %s)", action, req.caller.channel,
                 req.caller.user_id, req.caller.role)
        return Reply(lines=(t(req.lang, "Only admins can change watchlists and feeds."),),
                     error=True)

    async def _execute(self, command: c.Command, channel: Channel, req: Request) -> Reply:
        now, lang = self._clock.now(), req.lang
        match command:
            case c.Subscribe(targets):
                return await self._subscribe(channel, targets, req)
            case c.Unsubscribe(targets):
                removed = await self._store.unsubscribe(channel.id, targets)
                if not removed:
                    return Reply(lines=(t(lang, "Not subscribed: {targets}",
                                          targets=", ".join(targets)),), error=True)
                await self._audit.record(req, "unsubscribe", target=", ".join(removed))
                return Reply(lines=(t(lang, "Unsubscribed: {targets}",
                                      targets=", ".join(removed)),))
            case c.ListSubscriptions():
                return await self._list(channel, lang)
            case c.Summary(key, window):
                return await self._summary(channel, lang, key, window.total_seconds())
        settings, value = _settings_of(command)
        await self._store.ensure_channel(channel.ref, now=now, **settings)
        await self._audit.record(req, f"settings.{value[0]}", target=str(channel.ref),
                                 detail=value[1])
        match command:
            case c.SetLang(new_lang):
                return Reply(lines=(t(new_lang, "Language set to {lang}.", lang=new_lang),))
            case c.SetMode(mode):
                msgid = ("New matches are posted right away." if mode is Mode.INSTANT
                         else "New matches are collected for the scheduled digests.")
                return Reply(lines=(t(lang, msgid),))
            case c.SetSchedule(times, tz):
                return Reply(lines=(t(lang, "Digest times: {times} ({tz})",
                                      times=", ".join(times), tz=tz or channel.timezone),))
            case c.SetQuiet(quiet):
                if quiet is None:
                    return Reply(lines=(t(lang, "Quiet hours are off."),))
                return Reply(lines=(t(lang, "Quiet hours: {range}", range=quiet),))
            case c.SetTimezone(tz):
                return Reply(lines=(t(lang, "Time zone set to {tz}.", tz=tz),))
        raise AssertionError(f"unhandled command {command!r}")

    async def _subscribe(self, channel: Channel, targets: tuple[str, ...],
                         req: Request) -> Reply:
        lang = req.lang
        new = [x for x in targets if x not in channel.subscriptions]
        if len(channel.subscriptions) + len(new) > MAX_SUBSCRIPTIONS:
            return Reply(lines=(t(lang, "A channel can follow at most {limit} targets; "
                                  "unsubscribe some first.", limit=str(MAX_SUBSCRIPTIONS)),),
                         error=True)
        added = await self._store.subscribe(channel.id, targets, now=self._clock.now())
        if not added:
            return Reply(lines=(t(lang, "Already subscribed: {targets}",
                                  targets=", ".join(targets)),))
        await self._audit.record(req, "subscribe", target=", ".join(added))
        watchlists = await self._store.list_watchlists()
        lines = [t(lang, "Subscribed: {targets}", targets=", ".join(added))]
        lines.extend(self._describe(target, watchlists, lang) for target in added)
        return Reply(lines=tuple(lines))

    def _describe(self, target: str, watchlists: Sequence[Watchlist], lang: Lang) -> str:
        """What a subscription will match: "NVDA: Nvidia", "watchlist:tech: SNOW, KI"."""
        entries = resolve_target(target, watchlists)
        if target.startswith(WATCHLIST_PREFIX):
            if not entries:
                return t(lang, "{target}: no such watchlist yet, so nothing matches until an "
                         "admin creates it.", target=target)
            return f"{target}: {', '.join(entry_key(e) for e in entries)}"
        entry = entries[0]
        if isinstance(entry, TickerEntry):
            names = entry.names
            if names is None:
                names = (self._reference or {}).get(entry.symbol, ())
            names = (*names, *entry.extra_names)
            if not names:
                return t(lang, "{key}: only the symbol (${key}, NASDAQ:{key}); no company name "
                         "is known for it.", key=entry.symbol)
            return f"{entry.symbol}: {', '.join(names)}"
        return f"{entry.key}: {', '.join(entry.terms)}"

    async def _why(self, url: str, channel: Channel | None, req: Request) -> Reply:
        """Explain a stored article against this channel's subscriptions (all watchlists
        when it has none), in the channel's language."""
        lang = req.lang
        article = await self._store.find_article(url)
        if article is None:
            return Reply(lines=(t(lang, "No stored article has the link {url}.", url=url),),
                         error=True)
        watchlists = await self._store.list_watchlists()
        subscriptions = channel.subscriptions if channel else ()
        if subscriptions:
            matcher = build_routing([Channel(id=0, ref=req.caller.channel,
                                             subscriptions=subscriptions)],
                                    watchlists, reference=self._reference).matcher
            scope = t(lang, "Checked against this channel's subscriptions: {targets}",
                      targets=", ".join(subscriptions))
        else:
            matcher = compile_matcher(tickers=[x for w in watchlists for x in w.tickers],
                                      keywords=[k for w in watchlists for k in w.keywords],
                                      reference=self._reference)
            scope = t(lang, "Checked against every watchlist: {names}",
                      names=", ".join(w.name for w in watchlists) or t(lang, "(none)"))
        matches, misses = matcher.explain(title=article.title, text=article.text,
                                          lang=article.lang)
        title = article.title or t(lang, "(no title)")
        return Reply(lines=(f"“{title}” ({article.feed_title})", scope,
                            *explain_lines(matches, misses, lang=lang)))

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


def _settings_of(command: c.Command) -> tuple[dict[str, object], tuple[str, str]]:
    """The channel columns a settings command writes, and (setting, value) for the audit."""
    match command:
        case c.SetLang(lang):
            return {"lang": lang}, ("lang", lang)
        case c.SetMode(mode):
            return {"mode": mode.value}, ("mode", mode.value)
        case c.SetSchedule(times, tz):
            settings: dict[str, object] = {"schedule": list(times)}
            if tz:
                settings["timezone"] = tz
            return settings, ("schedule", " ".join((",".join(times), tz or "")).strip())
        case c.SetQuiet(quiet):
            return {"quiet": quiet}, ("quiet", quiet or "off")
        case c.SetTimezone(tz):
            return {"timezone": tz}, ("timezone", tz)
    raise AssertionError(f"not a settings command: {command!r}")
