"""The console adapter's command loop, driven through a pipe of typed lines, on a real store."""

from __future__ import annotations

import asyncio
import io

from adapters.console.adapter import PROMPT, ConsoleAdapter
from bot.app import build_app, sync_config
from bot.config import FileConfig, Settings, load_default_config
from bot.core.models import ChannelRef, Mode
from tests.support.clock import FixedClock

SESSION = """\
/news subscribe SNOW DEEPSEEK
/news list
hello
/news settings lang de
/news settings mode digest
/news unsubscribe NVDA
/channel other
/news subscribe watchlist:tech
/news subscirbe X
/quit
/news subscribe NEVER
"""


async def test_command_loop_runs_commands_against_the_store(db_url: str,
                                                            clock: FixedClock) -> None:
    out = io.StringIO()
    console = ConsoleAdapter(out=out, input=io.StringIO(SESSION), interactive=True,
                             channel="markets")
    app = await build_app(Settings(database_url=db_url), adapters={"console": console},
                          clock=clock)
    try:
        await console.start(app.handle_command)
        await asyncio.wait_for(console.closed.wait(), timeout=10)
        markets = await app.store.get_channel(ChannelRef("console", "markets"))
        other = await app.store.get_channel(ChannelRef("console", "other"))
    finally:
        await app.close()
    text = out.getvalue()
    assert markets is not None and other is not None
    assert markets.subscriptions == ("SNOW", "DEEPSEEK")
    assert (markets.lang, markets.mode) == ("de", Mode.DIGEST)
    assert other.subscriptions == ("watchlist:tech",)
    assert "Subscribed: SNOW, DEEPSEEK" in text
    assert "commands start with /news" in text
    assert "channel: console:other" in text
    assert "subscribe" in text.split("subscirbe")[-1]  # did-you-mean answer after the typo
    assert "NEVER" not in text  # nothing after /quit is read
    assert text.count(PROMPT) == 10


SUMMARY_SESSION = """\
/news subscribe SNOW
/news settings lang de
/news summary SNOW 7d
/news unsubscribe SNOW
/news feed list
/quit
"""


async def test_scripted_session_subscribe_summary_unsubscribe(db_url: str,
                                                              clock: FixedClock) -> None:
    """The person at the console: subscribe, switch to German, ask for a summary of stored
    news, unsubscribe; as the owner, admin commands work too."""
    out = io.StringIO()
    console = ConsoleAdapter(out=out, input=io.StringIO(SUMMARY_SESSION), interactive=True,
                             channel="markets")
    app = await build_app(Settings(database_url=db_url), adapters={"console": console},
                          clock=clock)
    try:
        default = load_default_config()
        await sync_config(app.store, FileConfig(feeds=default.feeds,
                                                watchlists=default.watchlists), clock)
        await app.service.poll_due_feeds(force=True)
        await console.start(app.handle_command)
        await asyncio.wait_for(console.closed.wait(), timeout=10)
        channel = await app.store.get_channel(ChannelRef("console", "markets"))
        audit = await app.store.list_audit()
    finally:
        await app.close()
    text = out.getvalue()
    assert channel is not None
    assert (channel.lang, channel.subscriptions) == ("de", ())
    assert "Subscribed: SNOW\nSNOW: Snowflake\n" in text
    assert "Sprache auf de gesetzt.\n" in text
    digest = text.split("Sprache auf de gesetzt.\n")[1].split("Abbestellt: SNOW")[0]
    assert "Nachrichten-Überblick" in digest
    assert "Snowflake" in digest and "https://" in digest
    assert "-3,37 %" in digest  # German number format of the price move
    assert "Abbestellt: SNOW\n" in text
    assert "3 Feeds:" in text  # the console's user is the owner
    assert text.count(PROMPT) == 6  # five commands and /quit
    assert [(e.action, e.target, e.user_id) for e in reversed(audit)] == [
        ("subscribe", "SNOW", "console"), ("settings.lang", "console:markets", "console"),
        ("unsubscribe", "SNOW", "console")]


async def test_send_digest_writes_channel_header(clock: FixedClock) -> None:
    from bot.core.models import Digest

    out = io.StringIO()
    console = ConsoleAdapter(out=out)
    await console.send_digest("demo", Digest(lang="en", timezone="UTC",
                                             generated_at=clock.now(), groups=()))
    assert out.getvalue().startswith("── console:demo ──\n")
    await console.send_notice("demo", "feed x was disabled")
    assert out.getvalue().endswith("feed x was disabled\n")


async def test_send_digest_writes_each_part_as_a_message(clock: FixedClock) -> None:
    from bot.core.models import Digest, DigestGroup, DigestItem
    from bot.ports import AdapterLimits

    items = tuple(
        DigestItem(title=f"Story {n}", link=f"https://example.org/{n}", source="Demo",
                   published=None, summary="", summary_lang=None, key="KI")
        for n in range(3)
    )
    digest = Digest(lang="en", timezone="UTC", generated_at=clock.now(),
                    groups=(DigestGroup("KI", "keyword", items),))
    out = io.StringIO()
    console = ConsoleAdapter(out=out)
    console.limits = AdapterLimits(max_chars=1000, max_items=2)
    await console.send_digest("demo", digest)
    text = out.getvalue()
    assert text.count("── console:demo ──\n") == 2
    assert "(1/2)" in text and "■ KI (cont.)" in text
    assert [line for line in text.splitlines() if "https://" in line] == [
        f"  https://example.org/{n}" for n in range(3)
    ]
