"""`/news feed …`: add, remove, list, status, enable (admins only).

`feed add` is the one place an admin's URL enters the system, so it is checked twice over:
the network guard (`bot.feeds.guard.NetworkGuard.check_url`: http(s) only, no internal
addresses in any spelling, unless `NEWSBOT_FETCH_ALLOW_NETWORKS` lists them) and one real
fetch + parse through the app's fetcher (whose connector applies the guard again at connect
time, redirects and DNS included). Only a feed that passes both is stored; the reply names
its title and entry count, or the exact failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.command_context import Auditor, FetchFeed, Request, UrlCheck
from bot.core import commands_admin as a
from bot.core.i18n import format_datetime_short, t, tn
from bot.core.models import Reply
from bot.core.schedule import format_interval
from bot.errors import FetchError, ParseError
from bot.ports import Clock
from bot.store.admin import FeedHealth
from bot.store.sql import SqlStore

DEFAULT_INTERVAL_S = 600
MAX_FEEDS = 1000

FeedCommand = a.FeedAdd | a.FeedRemove | a.FeedList | a.FeedStatus | a.FeedEnable


def _error(line: str) -> Reply:
    return Reply(lines=(line,), error=True)


class FeedCommands:
    def __init__(self, *, store: SqlStore, clock: Clock, auditor: Auditor,
                 fetch: FetchFeed | None, check_url: UrlCheck | None = None,
                 allow_networks: Sequence[str] = ()) -> None:
        self._store = store
        self._clock = clock
        self._audit = auditor
        self._fetch = fetch
        self._check_url = check_url
        self._allow_networks = tuple(allow_networks)

    async def run(self, command: FeedCommand, req: Request) -> Reply:
        match command:
            case a.FeedAdd(url, interval_s):
                return await self._add(url, interval_s, req)
            case a.FeedList():
                return await self._list(req)
            case a.FeedStatus(url):
                return await self._status(url, req)
        assert isinstance(command, a.FeedRemove | a.FeedEnable)
        found = await self._store.feed_health(command.url)
        action = "feed.remove" if isinstance(command, a.FeedRemove) else "feed.enable"
        if not found:
            reply = _error(t(req.lang, "Unknown feed: {url}", url=command.url))
            await self._audit.record(req, action, target=command.url, detail=reply.text,
                                     outcome="error")
            return reply
        if isinstance(command, a.FeedRemove):
            await self._store.remove_feed(command.url)
            await self._audit.record(req, action, target=command.url,
                                     detail=found[0].feed.title)
            return Reply(lines=(t(req.lang, "Removed feed {url} and its stored entries.",
                                  url=command.url),))
        feed = found[0].feed
        if feed.disabled_reason is None and not feed.error_count:
            return Reply(lines=(t(req.lang, "The feed is not disabled: {url}", url=feed.url),))
        await self._store.enable_feed(feed.url, now=self._clock.now())
        await self._audit.record(req, action, target=feed.url,
                                 detail=feed.disabled_reason or "")
        return Reply(lines=(t(req.lang, "Feed enabled; it is polled again right away: {url}",
                              url=feed.url),))

    def _guard(self, url: str) -> None:
        """Raise `FetchError` when `url` must not be fetched (see the module docstring)."""
        if self._check_url is None:
            from bot.feeds.guard import NetworkGuard  # aiohttp behind it: load on first use

            self._check_url = NetworkGuard(allow_networks=self._allow_networks).check_url
        self._check_url(url)

    async def _add(self, url: str, interval_s: int | None, req: Request) -> Reply:
        lang = req.lang
        known = await self._store.feed_health(url)
        if known:
            return await self._readd(known[0], interval_s, req)
        if len(await self._store.feed_health()) >= MAX_FEEDS:
            reply = _error(t(lang, "There are already {limit} feeds; remove one first.",
                             limit=str(MAX_FEEDS)))
            await self._audit.record(req, "feed.add", target=url, detail=reply.text,
                                     outcome="error")
            return reply
        try:
            if self._fetch is None:
                raise FetchError("no fetcher is configured in this process", transient=False)
            self._guard(url)
            result = await self._fetch(url)
            if result.not_modified:
                raise FetchError("the server answered 304 Not Modified to a plain GET",
                                 transient=False)
            from bot.feeds.parse import parse_feed  # feedparser: load on first use

            parsed = parse_feed(result.body, source=url, content_type=result.content_type)
        except (FetchError, ParseError) as exc:
            reply = _error(t(lang, "Feed not added: {url}: {reason}", url=url, reason=str(exc)))
            await self._audit.record(req, "feed.add", target=url, detail=str(exc),
                                     outcome="error")
            return reply
        interval = interval_s or DEFAULT_INTERVAL_S
        title = parsed.title.strip() or url
        if not await self._store.add_feed(url, interval_s=interval, title=title,
                                          now=self._clock.now()):  # added meanwhile
            return Reply(lines=(t(lang, "The feed is already added: {url}", url=url),))
        count = len(parsed.articles)
        await self._audit.record(req, "feed.add", target=url,
                                 detail=f"{title} · {count} entries · {format_interval(interval)}")
        lines = [tn(lang, "Added feed “{title}”: {n} entry, polled every {interval}.",
                    "Added feed “{title}”: {n} entries, polled every {interval}.", count,
                    title=title, interval=format_interval(interval))]
        if parsed.warning:
            lines.append(t(lang, "The feed has flaws but was readable: {warning}",
                           warning=parsed.warning))
        return Reply(lines=tuple(lines))

    async def _readd(self, known: FeedHealth, interval_s: int | None, req: Request) -> Reply:
        feed, lang = known.feed, req.lang
        lines: list[str] = []
        if interval_s is not None and interval_s != feed.interval_s:
            await self._store.set_feed_interval(feed.url, interval_s=interval_s)
            await self._audit.record(req, "feed.interval", target=feed.url,
                                     detail=f"{format_interval(feed.interval_s)} → "
                                            f"{format_interval(interval_s)}")
            lines.append(t(lang, "The feed is already added; it is now polled every "
                           "{interval}.", interval=format_interval(interval_s)))
        else:
            lines.append(t(lang, "The feed is already added: {url}", url=feed.url))
        if feed.disabled_reason:
            lines.append(t(lang, "It is disabled ({reason}); /news feed enable {url} polls it "
                           "again.", reason=feed.disabled_reason, url=feed.url))
        return Reply(lines=tuple(lines))

    async def _list(self, req: Request) -> Reply:
        feeds = await self._store.feed_health()
        if not feeds:
            return Reply(lines=(t(req.lang, "No feeds yet. Add one with /news feed add URL."),))
        lines = [tn(req.lang, "{n} feed:", "{n} feeds:", len(feeds))]
        lines.extend(f"• {h.feed.title or h.feed.url} — {h.feed.url} · "
                     f"{format_interval(h.feed.interval_s)} · {self._health(h, req)}"
                     for h in feeds)
        return Reply(lines=tuple(lines))

    def _health(self, h: FeedHealth, req: Request) -> str:
        if h.feed.disabled_reason:
            return t(req.lang, "disabled: {reason}", reason=h.feed.disabled_reason)
        if h.feed.error_count:
            return tn(req.lang, "{n} failed poll in a row", "{n} failed polls in a row",
                      h.feed.error_count)
        return t(req.lang, "ok")

    async def _status(self, url: str | None, req: Request) -> Reply:
        feeds = await self._store.feed_health(url)
        if url is not None and not feeds:
            return _error(t(req.lang, "Unknown feed: {url}", url=url))
        if not feeds:
            return Reply(lines=(t(req.lang, "No feeds yet. Add one with /news feed add URL."),))
        lines: list[str] = []
        for h in feeds:
            lines.extend(self._status_lines(h, req))
        return Reply(lines=tuple(lines))

    def _status_lines(self, h: FeedHealth, req: Request) -> list[str]:
        lang, feed = req.lang, h.feed
        lines = [f"{feed.title or feed.url} — {feed.url}",
                 "  " + t(lang, "every {interval} · last poll: {last} · next poll: {next}",
                          interval=format_interval(feed.interval_s),
                          last=self._when(h.last_polled_at, req),
                          next=self._when(feed.next_poll_at, req)),
                 "  " + t(lang, "failed polls in a row: {n}", n=feed.error_count)]
        if h.last_error:
            lines.append("  " + t(lang, "last error: {error}", error=h.last_error))
        if feed.disabled_reason:
            lines.append("  " + t(lang, "disabled: {reason}", reason=feed.disabled_reason))
        return lines

    def _when(self, when: datetime | None, req: Request) -> str:
        if when is None:
            return t(req.lang, "never")
        return format_datetime_short(when, lang=req.lang, tz=req.timezone)
