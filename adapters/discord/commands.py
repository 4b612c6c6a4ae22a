"""The `/news` app-command group: subcommands and typed options that mirror the core
grammar (`bot.core.commands`). Each handler only writes the `/news …` text and hands it to
`run`, so Discord and Slack share one parser and one permission check."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import discord
from discord import app_commands


def _q(value: str) -> str:
    """One option value as one word of the grammar."""
    return shlex.quote(value.strip())


Runner = Callable[[discord.Interaction[Any], str], Awaitable[None]]


Completer = Callable[[discord.Interaction[Any], str, str],
                     Awaitable[list[app_commands.Choice[str]]]]


def build_news_group(run: Runner, complete: Completer | None = None) -> app_commands.Group:
    """`/news` with its subcommands and typed options, mirroring the core grammar."""
    news = app_commands.Group(name="news", description="News alerts for tickers and keywords",
                              guild_only=False)

    @news.command(name="subscribe", description="Follow symbols, keywords or watchlist:NAME")
    @app_commands.describe(targets="e.g. NVDA DEEPSEEK watchlist:tech")
    async def subscribe(interaction: discord.Interaction[Any], targets: str) -> None:
        await run(interaction, f"/news subscribe {targets}")

    @news.command(name="unsubscribe", description="Stop following symbols or keywords")
    @app_commands.describe(targets="e.g. NVDA watchlist:tech")
    async def unsubscribe(interaction: discord.Interaction[Any], targets: str) -> None:
        await run(interaction, f"/news unsubscribe {targets}")

    @news.command(name="list", description="This channel's subscriptions and settings")
    async def list_(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/news list")

    @news.command(name="summary", description="A digest of recent matching news")
    @app_commands.describe(target="one symbol or keyword (default: all subscriptions)",
                           window="how far back")
    async def summary(interaction: discord.Interaction[Any], target: str | None = None,
                      window: Literal["24h", "7d"] | None = None) -> None:
        words = [_q(x) for x in (target, window) if x]
        await run(interaction, " ".join(["/news summary", *words]))

    @news.command(name="why", description="Why a stored article matched (or did not)")
    @app_commands.describe(url="the article's link")
    async def why(interaction: discord.Interaction[Any], url: str) -> None:
        await run(interaction, f"/news why {_q(url)}")

    @news.command(name="help", description="How to use /news")
    async def help_(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/news help")

    settings = app_commands.Group(name="settings", description="Channel settings", parent=news)

    @settings.command(name="lang", description="Language of digests and replies")
    @app_commands.describe(value="de or en")
    async def lang(interaction: discord.Interaction[Any], value: Literal["de", "en"]) -> None:
        await run(interaction, f"/news settings lang {value}")

    @settings.command(name="mode", description="Post at once or collect for digests")
    @app_commands.describe(value="instant or digest")
    async def mode(interaction: discord.Interaction[Any],
                   value: Literal["instant", "digest"]) -> None:
        await run(interaction, f"/news settings mode {value}")

    @settings.command(name="schedule", description="Digest times, e.g. 08:00,17:30")
    @app_commands.describe(times="HH:MM,HH:MM", timezone="e.g. Europe/Berlin")
    async def schedule(interaction: discord.Interaction[Any], times: str,
                       timezone: str | None = None) -> None:
        words = [_q(times), *([_q(timezone)] if timezone else [])]
        await run(interaction, " ".join(["/news settings schedule", *words]))

    @settings.command(name="quiet", description="Quiet hours, e.g. 22:00-07:00, or off")
    @app_commands.describe(range="FROM-TO or off")
    async def quiet(interaction: discord.Interaction[Any], range: str) -> None:
        await run(interaction, f"/news settings quiet {_q(range)}")

    @settings.command(name="timezone", description="The channel's time zone")
    @app_commands.describe(timezone="e.g. Europe/Berlin")
    async def timezone_(interaction: discord.Interaction[Any], timezone: str) -> None:
        await run(interaction, f"/news settings timezone {_q(timezone)}")

    # Discord honours `default_member_permissions` only on a top-level command (discord.py
    # drops it from nested groups), and `/news` must stay open to members: the admin check
    # is `role_of` + the command service, on every call.
    watchlist = app_commands.Group(name="watchlist", description="Watchlists (admins)",
                                   parent=news)

    @watchlist.command(name="create", description="Create a watchlist")
    @app_commands.describe(name="watchlist name")
    async def wl_create(interaction: discord.Interaction[Any], name: str) -> None:
        await run(interaction, f"/news watchlist create {_q(name)}")

    @watchlist.command(name="delete", description="Delete a watchlist")
    @app_commands.describe(name="watchlist name")
    async def wl_delete(interaction: discord.Interaction[Any], name: str) -> None:
        await run(interaction, f"/news watchlist delete {_q(name)}")

    @watchlist.command(name="show", description="Show a watchlist")
    @app_commands.describe(name="watchlist name")
    async def wl_show(interaction: discord.Interaction[Any], name: str) -> None:
        await run(interaction, f"/news watchlist show {_q(name)}")

    @watchlist.command(name="add", description="Add a ticker or keyword to a watchlist")
    @app_commands.describe(name="watchlist name", kind="ticker or keyword",
                           key="symbol or keyword key",
                           options="ticker: names= extra= exclude= bare=; "
                                   "keyword: terms= exclude= case=")
    async def wl_add(interaction: discord.Interaction[Any], name: str,
                     kind: Literal["ticker", "keyword"], key: str,
                     options: str | None = None) -> None:
        text = f"/news watchlist add {_q(name)} {kind} {_q(key)}"
        await run(interaction, f"{text} {options}" if options else text)

    @watchlist.command(name="remove", description="Remove a ticker or keyword")
    @app_commands.describe(name="watchlist name", key="symbol or keyword key")
    async def wl_remove(interaction: discord.Interaction[Any], name: str, key: str) -> None:
        await run(interaction, f"/news watchlist remove {_q(name)} {_q(key)}")

    @watchlist.command(name="export", description="Export watchlists as YAML")
    @app_commands.describe(names="watchlist names (default: all)")
    async def wl_export(interaction: discord.Interaction[Any], names: str | None = None) -> None:
        await run(interaction, f"/news watchlist export {names}" if names else
                  "/news watchlist export")

    feed = app_commands.Group(name="feed", description="Feeds (admins)", parent=news)

    @feed.command(name="add", description="Add a feed")
    @app_commands.describe(url="the feed's address", interval="e.g. 10m")
    async def feed_add(interaction: discord.Interaction[Any], url: str,
                       interval: str | None = None) -> None:
        words = [_q(url), *([_q(interval)] if interval else [])]
        await run(interaction, " ".join(["/news feed add", *words]))

    @feed.command(name="remove", description="Remove a feed")
    @app_commands.describe(url="the feed's address")
    async def feed_remove(interaction: discord.Interaction[Any], url: str) -> None:
        await run(interaction, f"/news feed remove {_q(url)}")

    @feed.command(name="list", description="List feeds")
    async def feed_list(interaction: discord.Interaction[Any]) -> None:
        await run(interaction, "/news feed list")

    @feed.command(name="status", description="Feed health")
    @app_commands.describe(url="the feed's address (default: all)")
    async def feed_status(interaction: discord.Interaction[Any], url: str | None = None) -> None:
        await run(interaction, f"/news feed status {_q(url)}" if url else "/news feed status")

    @feed.command(name="enable", description="Re-enable a disabled feed")
    @app_commands.describe(url="the feed's address")
    async def feed_enable(interaction: discord.Interaction[Any], url: str) -> None:
        await run(interaction, f"/news feed enable {_q(url)}")

    if complete is not None:
        for command, option, field in (
            (subscribe, "targets", "target"), (unsubscribe, "targets", "subscription"),
            (summary, "target", "subscription"), (wl_delete, "name", "watchlist"),
            (wl_show, "name", "watchlist"), (wl_add, "name", "watchlist"),
            (wl_remove, "name", "watchlist"), (wl_export, "names", "watchlist"),
        ):
            command.autocomplete(option)(_completion(complete, field))

    return news


def _completion(complete: Completer, field: str) -> Callable[
        [discord.Interaction[Any], str], Awaitable[list[app_commands.Choice[str]]]]:
    async def callback(interaction: discord.Interaction[Any], current: str
                       ) -> list[app_commands.Choice[str]]:
        return await complete(interaction, field, current)

    return callback
