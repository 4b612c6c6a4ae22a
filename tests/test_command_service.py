"""`/news …` commands against a real store (SQLite and PostgreSQL): each command's effect on
the store, its reply, and the audit log; admin commands refused for members and unknown roles.
Feed commands: tests/test_command_service_feeds.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.core.models import Article, ChannelRef, KeywordEntry, TickerEntry, Watchlist
from tests.support.clock import FixedClock
from tests.support.commands import CHANNEL, FEED_URL, Env, command_env, snapshot


@pytest.fixture
async def env(store_url: str, clock: FixedClock) -> AsyncIterator[Env]:
    async with command_env(store_url, clock) as made:
        yield made


# --- permissions ------------------------------------------------------------------------------


REFUSED = [
    "/news watchlist create tech",
    "/news watchlist delete default",
    "/news watchlist show default",
    "/news watchlist add default ticker NVDA names=Nvidia",
    "/news watchlist remove default SNOW",
    "/news watchlist export",
    "/news watchlist import\nwatchlists:\n  - name: evil\n",
    "/news feed add https://feeds.example.org/other.xml",
    "/news feed add not-even-a-url",  # refused before its arguments are read
    "/news feed remove " + FEED_URL,
    "/news feed list",
    "/news feed status",
    "/news feed enable " + FEED_URL,
    "/news watchlist frobnicate",
]


@pytest.mark.parametrize("role", ["member", None], ids=["member", "unknown-role"])
async def test_non_admin_is_refused_and_leaves_only_an_audit_entry(env: Env, role: Any
                                                                   ) -> None:
    await env.store.upsert_watchlist(Watchlist("default", tickers=(TickerEntry("SNOW"),)),
                                     now=env.clock.now())
    await env.store.upsert_feed(FEED_URL, interval_s=600, now=env.clock.now())
    await env.run("/news settings lang de", "member")
    before = snapshot(env.url)
    audit_before = await env.store.list_audit()
    for text in REFUSED:
        reply = await env.run(text, role, user="U9")
        assert reply.error
        assert reply.text == "Watchlisten und Feeds können nur Admins ändern.", text
    assert env.fetch.calls == []
    assert snapshot(env.url) == before
    audit = await env.store.list_audit(limit=100)
    new = audit[:len(audit) - len(audit_before)]
    assert len(new) == len(REFUSED)
    assert {(e.outcome, e.user_id, e.platform, e.channel) for e in new} == {
        ("refused", "U9", "slack", "C1")}
    assert new[-1].action == "watchlist.create" and new[-1].detail == REFUSED[0]
    assert "feed.add" in {e.action for e in new}


async def test_refusal_in_a_new_channel_creates_no_channel(env: Env) -> None:
    reply = await env.run("/news feed list", "member", locale="de")
    assert reply.error and "nur Admins" in reply.text
    assert await env.store.get_channel(CHANNEL) is None
    [entry] = await env.store.list_audit()
    assert (entry.action, entry.outcome) == ("feed.list", "refused")


async def test_owner_and_admin_may_run_admin_commands(env: Env) -> None:
    for role in ("owner", "admin"):
        reply = await env.run("/news feed list", role)
        assert not reply.error and "No feeds yet" in reply.text


async def test_help_lists_admin_commands_for_admins_only(env: Env) -> None:
    member = (await env.run("/news help", "member")).text
    admin = (await env.run("/news help", "admin")).text
    assert "/news watchlist" not in member.replace("/news watchlist …", "")
    assert "Admins also have /news watchlist … and /news feed …." in member
    for command in ("subscribe", "unsubscribe", "list", "summary", "settings lang",
                    "settings mode", "settings schedule", "settings quiet",
                    "settings timezone", "why", "help"):
        assert f"/news {command}" in member
    for command in ("create", "add tech ticker", "add tech keyword", "remove", "show", "delete",
                    "export", "import"):
        assert f"/news watchlist {command}" in admin
    for command in ("add", "remove", "list", "status", "enable"):
        assert f"/news feed {command}" in admin
    german = (await env.run("/news help", "member", locale="de")).text
    assert "Abos und Einstellungen dieses Kanals" in german


# --- watchlists --------------------------------------------------------------------------------


async def test_watchlist_lifecycle(env: Env) -> None:
    reply = await env.run("/news watchlist create tech")
    assert reply.text.startswith("Created watchlist “tech”.")
    assert (await env.run("/news watchlist create tech")).error

    reply = await env.run('/news watchlist add tech ticker NVDA names=Nvidia,"Nvidia Corp" '
                          'exclude="Nvidia Shield"')
    assert reply.text == "Added NVDA to “tech”: Nvidia, Nvidia Corp · except: Nvidia Shield"
    reply = await env.run("/news watchlist add tech ticker SIE")
    assert reply.text == "Added SIE to “tech”: reference names: Siemens"
    reply = await env.run('/news watchlist add tech keyword KI terms=KI,"künstliche '
                          'Intelligenz" case=on')
    assert reply.text == ("Added KI to “tech”: KI, künstliche Intelligenz · "
                          "case-sensitive: on")
    reply = await env.run("/news watchlist add tech ticker NVDA names=")
    assert reply.text == "Updated NVDA in “tech”: symbol only ($NVDA)"
    [tech] = await env.store.list_watchlists()
    assert tech == Watchlist("tech", tickers=(TickerEntry("NVDA", names=()), TickerEntry("SIE")),
                             keywords=(KeywordEntry("KI", ("KI", "künstliche Intelligenz"),
                                                    case_sensitive=True),))

    reply = await env.run("/news watchlist remove tech $sie")
    assert reply.text == "Removed SIE from “tech”."
    reply = await env.run("/news watchlist remove tech SIE")
    assert reply.error and "(entries: NVDA, KI)" in reply.text

    show = (await env.run("/news watchlist show tech")).lines
    assert show[:3] == ("Watchlist “tech”: 1 tickers, 1 keywords",
                        "  NVDA: symbol only ($NVDA)",
                        "  KI: KI, künstliche Intelligenz · case-sensitive: on")
    assert show[3] == "Latest changes:"
    assert len(show) == 4 + 5  # the last five entries about watchlist:tech, newest first
    assert "watchlist.remove · error" in show[4] and "watchlist.remove · ok" in show[5]

    export = await env.run("/news watchlist export tech")
    assert export.lines == (
        "```yaml", "watchlists:", "  - name: tech", "    tickers:",
        "      - {symbol: NVDA, names: []}", "    keywords:",
        "      - {key: KI, terms: [KI, künstliche Intelligenz], case_sensitive: true}", "```")

    await env.store.ensure_channel(ChannelRef("slack", "C2"), now=env.clock.now())
    other = await env.store.get_channel(ChannelRef("slack", "C2"))
    assert other is not None
    await env.store.subscribe(other.id, ["watchlist:tech"], now=env.clock.now())
    reply = await env.run("/news watchlist delete tech")
    assert reply.lines[0] == "Deleted watchlist “tech”."
    assert "1 channel still subscribes to watchlist:tech" in reply.lines[1]
    assert await env.store.list_watchlists() == []
    assert (await env.run("/news watchlist show tech")).error

    actions = [(e.action, e.outcome) for e in reversed(await env.store.list_audit())]
    assert actions == [
        ("watchlist.create", "ok"), ("watchlist.create", "error"), ("watchlist.add", "ok"),
        ("watchlist.add", "ok"), ("watchlist.add", "ok"), ("watchlist.add", "ok"),
        ("watchlist.remove", "ok"), ("watchlist.remove", "error"), ("watchlist.delete", "ok"),
    ]


async def test_watchlist_add_needs_an_existing_watchlist(env: Env) -> None:
    reply = await env.run("/news watchlist add nope ticker NVDA", locale="de")
    assert reply.error
    assert reply.text.startswith("Unbekannte Watchlist „nope“ (vorhanden: (keine))")
    assert await env.store.list_watchlists() == []
    [entry] = await env.store.list_audit()
    assert (entry.action, entry.target, entry.outcome) == ("watchlist.add", "watchlist:nope",
                                                           "error")


async def test_watchlist_import_and_export_round_trip(env: Env) -> None:
    yaml_text = ("watchlists:\n  - name: tech\n    tickers:\n"
                 "      - {symbol: SNOW, names: [Snowflake]}\n"
                 "    keywords:\n      - {key: DEEPSEEK, terms: [DeepSeek]}\n")
    reply = await env.run(f"/news watchlist import\n```yaml\n{yaml_text}```")
    assert reply.text == ("“tech”: created — 1 tickers, 1 keywords (0 added, 0 changed, "
                          "0 removed)")
    exported = await env.run("/news watchlist export")
    assert "\n".join(exported.lines[1:-1]) + "\n" == yaml_text

    merged = await env.run("/news watchlist import merge\nwatchlists:\n  - name: tech\n"
                           "    tickers:\n      - {symbol: NVDA}\n")
    assert "merged — 2 tickers, 1 keywords (1 added" in merged.text
    [tech] = await env.store.list_watchlists()
    assert tech.keys() == ("SNOW", "NVDA", "DEEPSEEK")
    replaced = await env.run("/news watchlist import replace\nwatchlists:\n  - name: tech\n"
                             "    tickers:\n      - {symbol: NVDA}\n")
    assert "replaced — 1 tickers, 0 keywords (0 added, 0 changed, 2 removed)" in replaced.text
    audit = await env.store.list_audit()
    assert [e.detail for e in audit] == ["replaced: +0 ~0 -2", "merged: +1 ~0 -0",
                                         "created: +0 ~0 -0"]


@pytest.mark.parametrize(("yaml_text", "fragment"), [
    ("watchlists: [\n", "import:2: invalid YAML"),
    ("watchlists:\n  - name: Tech Stocks\n", "import:2:"),
    ("watchlists:\n  - name: t\n    tickers:\n      - {symbol: SNOW}\n      - {symbol: snow}\n",
     "duplicate"),
    ("feeds: []\n", "import:1:"),
    ("watchlists: []\n", "no watchlists"),
], ids=["syntax", "name", "duplicate", "unknown-key", "empty"])
async def test_invalid_import_stores_nothing(env: Env, yaml_text: str, fragment: str) -> None:
    reply = await env.run(f"/news watchlist import\n{yaml_text}")
    assert reply.error and reply.text.startswith("Nothing imported: ")
    assert fragment in reply.text
    assert await env.store.list_watchlists() == []
    [entry] = await env.store.list_audit()
    assert (entry.action, entry.outcome) == ("watchlist.import", "error")


# --- member commands ---------------------------------------------------------------------------


async def test_subscribe_says_what_will_match(env: Env) -> None:
    await env.store.upsert_watchlist(Watchlist(
        "tech", tickers=(TickerEntry("SNOW", names=("Snowflake",)),),
        keywords=(KeywordEntry("DEEPSEEK", ("DeepSeek",)),)), now=env.clock.now())
    reply = await env.run("/news subscribe NVDA SNOW DEEPSEEK watchlist:tech XYZQ "
                          "watchlist:nope Quanten", "member")
    assert reply.lines == (
        "Subscribed: NVDA, SNOW, DEEPSEEK, watchlist:tech, XYZQ, watchlist:nope, QUANTEN",
        "NVDA: Nvidia",
        "SNOW: Snowflake",
        "DEEPSEEK: DeepSeek",
        "watchlist:tech: SNOW, DEEPSEEK",
        "XYZQ: only the symbol ($XYZQ, NASDAQ:XYZQ); no company name is known for it.",
        "watchlist:nope: no such watchlist yet, so nothing matches until an admin creates it.",
        "QUANTEN: QUANTEN",
    )
    channel = await env.store.get_channel(CHANNEL)
    assert channel is not None and len(channel.subscriptions) == 7
    again = await env.run("/news subscribe NVDA", "member")
    assert again.text == "Already subscribed: NVDA"
    assert (await env.run("/news unsubscribe NVDA XYZQ", "member")).text == (
        "Unsubscribed: NVDA, XYZQ")
    audit = [(e.action, e.target, e.outcome) for e in reversed(await env.store.list_audit())]
    assert audit == [
        ("subscribe", "NVDA, SNOW, DEEPSEEK, watchlist:tech, XYZQ, watchlist:nope, QUANTEN",
         "ok"),
        ("unsubscribe", "NVDA, XYZQ", "ok"),
    ]


async def test_subscriptions_per_channel_are_bounded(env: Env) -> None:
    for start in range(0, 100, 20):
        targets = " ".join(f"K{n}" for n in range(start, start + 20))
        assert not (await env.run(f"/news subscribe {targets}", "member")).error
    reply = await env.run("/news subscribe ONEMORE", "member")
    assert reply.error and "at most 100" in reply.text
    channel = await env.store.get_channel(CHANNEL)
    assert channel is not None and len(channel.subscriptions) == 100


async def test_settings_changes_are_audited(env: Env) -> None:
    for text in ("/news settings lang de", "/news settings mode digest",
                 "/news settings schedule 08:00,17:30 Europe/Berlin",
                 "/news settings quiet 22:00-07:00", "/news settings quiet off",
                 "/news settings timezone America/New_York"):
        assert not (await env.run(text, "member")).error
    audit = [(e.action, e.detail) for e in reversed(await env.store.list_audit())]
    assert audit == [("settings.lang", "de"), ("settings.mode", "digest"),
                     ("settings.schedule", "08:00,17:30 Europe/Berlin"),
                     ("settings.quiet", "22:00-07:00"), ("settings.quiet", "off"),
                     ("settings.timezone", "America/New_York")]
    channel = await env.store.get_channel(CHANNEL)
    assert channel is not None
    assert (channel.lang, channel.timezone, channel.schedule, channel.quiet) == (
        "de", "America/New_York", ("08:00", "17:30"), None)


async def test_grammar_errors_store_nothing_and_are_localized(env: Env) -> None:
    await env.run("/news settings lang de", "member")
    before = snapshot(env.url)
    audit_before = await env.store.list_audit()
    cases = {
        "/news subscribe SNOW\u202eevil": "Der Befehl enthält unsichtbare Steuerzeichen.",
        "/news subscribe " + "x" * 1001: "Der Befehl ist zu lang (höchstens 1000 Zeichen).",
        "/news why https://" + "a" * 950: "Ein Argument ist zu lang (höchstens 900 Zeichen).",
        "/news watchlist creat x": ("Unbekannter Befehl „watchlist creat“. Vielleicht ist "
                                    "„watchlist create“ gemeint?"),
        "/news feed add gopher://x": "„gopher://x“ ist keine http(s)-URL.",
    }
    for text, expected in cases.items():
        reply = await env.run(text, "admin")
        assert reply.error and reply.text == expected
    assert snapshot(env.url) == before
    assert await env.store.list_audit() == audit_before


async def test_why_explains_a_stored_article_in_the_channel_language(env: Env) -> None:
    now = env.clock.now()
    feed = await env.store.upsert_feed(FEED_URL, interval_s=600, now=now)
    link = "https://example.org/snowflake"
    article = Article(uid="1", title="Snowflake $SNOW (-3,37 %) setzt auf KI-Modelle",
                      link=link, published=now, text="Die Kieler Woche.", lang="de")
    await env.store.record_poll(feed.id, now=now, articles=[article], routes=[], etag=None,
                                last_modified=None, title="Börse", next_poll_at=now)
    await env.store.upsert_watchlist(Watchlist(
        "tech", tickers=(TickerEntry("SNOW", names=("Snowflake",)),),
        keywords=(KeywordEntry("KI", ("KI",)),)), now=now)
    await env.run("/news settings lang de", "member")
    reply = await env.run(f"/news why {link}", "member")
    assert not reply.error
    assert reply.lines[0] == "“Snowflake $SNOW (-3,37 %) setzt auf KI-Modelle” (Börse)"
    assert reply.lines[1] == "Geprüft gegen alle Watchlisten: tech"
    text = reply.text
    assert "SNOW ← „$SNOW“" in text and "-3,37 %" in text
    assert "KI ← „KI-Modelle“" in text
    assert "„Kieler“ ist nicht KI" in text

    await env.run("/news subscribe KI", "member")
    scoped = await env.run(f"/news why {link}", "member")
    assert scoped.lines[1] == "Geprüft gegen die Abos dieses Kanals: KI"
    assert "SNOW ←" not in scoped.text

    missing = await env.run("/news why https://example.org/unknown", "member")
    assert missing.error
    assert missing.text == "Kein gespeicherter Artikel hat den Link https://example.org/unknown."
