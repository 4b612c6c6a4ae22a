"""The composition root: build every component from settings, run until done or signalled.

Nothing else constructs adapters, stores or fetchers; tests build the same graph with
their own settings (a temporary SQLite file, loopback URLs, a fixed clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import os
import signal
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.clock import SystemClock
from bot.command_service import CommandService
from bot.config import FileConfig, Settings
from bot.core.models import Caller, ChannelRef, Reply
from bot.core.routing import normalize_target
from bot.delivery import DeliveryOutcome
from bot.errors import InputError, TransientError
from bot.feeds.dispatch import SchemeFetcher
from bot.feeds.fetch import HttpFetcher
from bot.feeds.guard import NetworkGuard
from bot.feeds.sample import SampleFetcher
from bot.log_redaction import install_secret_filter, secret_values
from bot.ports import ChatAdapter, Clock, Summarizer
from bot.reference import load_reference
from bot.roles import PLANS, Role
from bot.service import NewsService, PollOutcome
from bot.store import migrate
from bot.store.lock import exclusive
from bot.store.sql import SqlStore

log = logging.getLogger(__name__)

# adapters are imported lazily, so a Slack-only install never imports discord.py
ADAPTER_FACTORIES = {"console": "adapters.console.adapter:ConsoleAdapter",
                     "discord": "adapters.discord.adapter:DiscordAdapter",
                     "slack": "adapters.slack.adapter:SlackAdapter"}
SUMMARIZER_FACTORY = "adapters.llm.openai_compat:OpenAICompatSummarizer"
# On SIGTERM the running ticks get this long to finish (below the 30 s that systemd and
# compose wait before SIGKILL, see deploy/)
STOP_GRACE_S = 20.0


@dataclass
class App:
    settings: Settings
    store: SqlStore
    service: NewsService
    commands: CommandService
    adapters: Mapping[str, ChatAdapter]
    http: HttpFetcher
    clock: Clock
    closers: list[Any] = field(default_factory=list)

    async def handle_command(self, caller: Caller, text: str) -> Reply:
        return await self.commands.handle(caller, text)

    async def suggest(self, caller: Caller, field: str, prefix: str) -> list[str]:
        return await self.commands.suggest(caller, field, prefix)

    async def close(self) -> None:
        for adapter in self.adapters.values():
            await adapter.stop()
        for closer in self.closers:
            await closer()
        await self.http.close()
        await self.store.close()


def load_adapter(name: str, **kwargs: Any) -> ChatAdapter:
    target = ADAPTER_FACTORIES.get(name)
    if target is None:
        raise InputError(f"unknown adapter {name!r} (available: {', '.join(ADAPTER_FACTORIES)})")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"adapter {name!r} needs its extra: pip install 'newsbot[{name}]' "
                         f"({exc})") from None
    adapter: ChatAdapter = getattr(module, attr)(**kwargs)
    return adapter


def load_summarizer(settings: Settings) -> Summarizer | None:
    """The optional LLM summarizer/translator: only when a base URL and a model are set."""
    if not (settings.llm_base_url and settings.llm_model):
        if settings.llm_base_url or settings.llm_model:
            log.warning("LLM not used: set both NEWSBOT_LLM_BASE_URL and NEWSBOT_LLM_MODEL")
        return None
    module_name, _, attr = SUMMARIZER_FACTORY.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"the LLM summarizer needs its extra: pip install 'newsbot[llm]' "
                         f"({exc})") from None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    summarizer: Summarizer = getattr(module, attr)(
        base_url=settings.llm_base_url, api_key=key, model=settings.llm_model,
        timeout_s=settings.llm_timeout_s,
    )
    host = urlsplit(settings.llm_base_url).hostname  # never userinfo or a key in a query
    log.info("LLM summaries via %s (model %s)", host, settings.llm_model)
    return summarizer


async def build_app(
    settings: Settings,
    *,
    adapters: Mapping[str, ChatAdapter] | None = None,
    clock: Clock | None = None,
) -> App:
    clock = clock or SystemClock()
    install_secret_filter(secret_values(settings))  # bot.log_redaction: logs never show them
    summarizer = load_summarizer(settings)  # first: a missing extra fails before any I/O
    closer = getattr(summarizer, "close", None)
    closers: list[Any] = [closer] if closer is not None else []
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    store = SqlStore(url=settings.database_url, pool_size=settings.fetch_concurrency)
    http = HttpFetcher(user_agent=settings.fetch_user_agent,
                       total_timeout_s=settings.fetch_timeout_s,
                       max_bytes=settings.fetch_max_bytes,
                       per_host=settings.fetch_per_host,
                       guard=NetworkGuard(allow_networks=settings.fetch_allow_networks))
    fetcher = SchemeFetcher(by_scheme={"http": http, "https": http,
                                       "sample": SampleFetcher(clock=clock.now)})
    if adapters is None:
        adapters = {name: load_adapter(name) for name in settings.adapters}
    owner = f"{socket.gethostname()}:{os.getpid()}"
    reference = await asyncio.to_thread(load_reference)  # offline, cached per process
    service = NewsService(
        store=store, fetcher=fetcher, clock=clock, adapters=adapters, owner=owner,
        concurrency=settings.fetch_concurrency, baseline_items=settings.baseline_items,
        baseline_window=timedelta(hours=settings.baseline_window_h),
        digest_max_items=settings.digest_max_items, reference=reference,
        summarizer=summarizer, alert_max_per_hour=settings.alert_max_per_hour,
        feed_lease=timedelta(seconds=settings.feed_lease_s),
        delivery_lease=timedelta(seconds=settings.delivery_lease_s),
        fast_parse=settings.fast_parse, per_host=settings.fetch_per_host,
        entry_retention=timedelta(days=settings.entry_retention_days)
        if settings.entry_retention_days else None,
    )
    commands = CommandService(store=store, clock=clock,
                              digest_max_items=settings.digest_max_items, reference=reference,
                              summarizer=summarizer, fetch=fetcher.fetch,
                              allow_networks=settings.fetch_allow_networks)
    return App(settings=settings, store=store, service=service, commands=commands,
               adapters=adapters, http=http, clock=clock, closers=closers)


async def sync_config(store: SqlStore, config: FileConfig, clock: Clock) -> None:
    """Apply the YAML file to the database: feeds and watchlists are upserted; channels get
    the file's settings and subscriptions (subscriptions added by chat commands are kept).
    One process at a time on PostgreSQL: workers starting together would insert the same
    rows (`bot.store.lock`)."""
    async with exclusive(store.url):
        await _apply_config(store, config, clock)


async def _apply_config(store: SqlStore, config: FileConfig, clock: Clock) -> None:
    now = clock.now()
    for feed in config.feeds:
        await store.upsert_feed(feed.url, interval_s=feed.interval_s, now=now)
    for wl in config.watchlists:
        await store.upsert_watchlist(wl.to_watchlist(), now=now)
    for ch in config.channels:
        channel = await store.ensure_channel(
            ChannelRef(ch.adapter, ch.id), now=now, lang=ch.lang, timezone=ch.timezone,
            mode=ch.mode.value, schedule=list(ch.schedule), quiet=ch.quiet,
        )
        await store.subscribe(channel.id, [normalize_target(s) for s in ch.subscribe], now=now)


async def run_once(app: App, *, role: Role = "all"
                   ) -> tuple[list[PollOutcome], list[DeliveryOutcome]]:
    """Poll every feed once and deliver everything pending, digests included; a `poller`
    only polls, a `sender` only delivers (`bot.roles`)."""
    jobs = PLANS[role].jobs
    polls = await app.service.poll_due_feeds(force=True) if "poll" in jobs else []
    deliveries = await app.service.deliver_due(force=True) if "deliver" in jobs else []
    return polls, deliveries


async def run_forever(app: App, *, role: Role = "all",
                      stop: asyncio.Event | None = None) -> None:
    """Start the role's part (`bot.roles`): the adapters' command connections for `chat` and
    `all`, the scheduler's poll and/or deliver ticks; stop on SIGINT/SIGTERM, when `stop` is
    set, or when the interactive console closes. Pollers and senders never call
    `ChatAdapter.start`: they send over the platforms' REST APIs only (see `bot.ports`)."""
    from bot.scheduler import InFlight, build_scheduler

    plan = PLANS[role]
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    if plan.listens:
        for adapter in app.adapters.values():
            await adapter.start(app.handle_command, suggest=app.suggest)
    in_flight = InFlight()
    scheduler = build_scheduler(app, role=role, in_flight=in_flight)
    if "poll" in plan.jobs:
        # compiled now, so that it is frozen below (a database still down: the tick will)
        with contextlib.suppress(TransientError):
            await app.service.load_routing()
    # What start-up made (modules, settings, adapters, the compiled watchlist) lives as long
    # as the process: frozen, the collector's full passes no longer walk it every time
    # (they were 4 % of a poller's CPU, bench/scale.md). A recompiled watchlist is
    # collected as usual; the frozen one stays until the bot stops.
    gc.freeze()
    scheduler.start()
    log.info("running as %s: jobs %s, %s", role, ", ".join(plan.jobs) or "none",
             "taking commands" if plan.listens else "no command connection")
    waiters = [asyncio.create_task(stop.wait())]
    console = app.adapters.get("console")
    closed = getattr(console, "closed", None)
    if (plan.listens and isinstance(closed, asyncio.Event)
            and getattr(console, "interactive", False)):
        waiters.append(asyncio.create_task(closed.wait()))
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        scheduler.pause()  # no new ticks; the running ones may finish what they started
        if not await in_flight.drain(STOP_GRACE_S):
            log.warning("stopping with a tick still running after %.0f s", STOP_GRACE_S)
        scheduler.shutdown(wait=False)
        gc.unfreeze()  # (for a caller that goes on: tests run the bot many times)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
