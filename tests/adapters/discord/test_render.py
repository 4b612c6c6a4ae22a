"""Discord rendering: golden payloads in `golden/`, every Discord limit on every message, a
large digest split in order, and feed text that cannot ping anyone.

To accept a deliberate change of layout, run with NEWSBOT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.render import (
    COLOUR_DOWN,
    COLOUR_NEUTRAL,
    COLOUR_UP,
    LIMITS,
    clean,
    payload_violations,
    render_digest,
    render_reply,
    render_text,
    utf16_len,
)
from bot.core.models import Digest, DigestGroup, DigestItem, Lang, Reply
from tests.adapters.console.test_render import CASES

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("NEWSBOT_UPDATE_GOLDEN") == "1"
NOW = datetime(2026, 11, 28, 16, 45, tzinfo=UTC)

# a mention anywhere, as Discord parses it (the word joiner after "@" breaks every form)
LIVE_MENTION = re.compile(r"@(everyone|here)|<@[!&]?\d+>|<#\d+>")


def check_golden(name: str, messages: list[dict[str, Any]]) -> None:
    path = GOLDEN / name
    rendered = json.dumps(messages, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def assert_valid(messages: list[dict[str, Any]]) -> None:
    assert messages
    for message in messages:
        assert payload_violations(message) == [], message
        for text in _texts(message):
            assert not LIVE_MENTION.search(text), text


def _texts(message: dict[str, Any]) -> list[str]:
    out = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        out += [embed.get("title") or "", embed.get("description") or "",
                (embed.get("footer") or {}).get("text") or ""]
        for field in embed.get("fields") or []:
            out += [field["name"], field["value"]]
    return out


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_render_digest_golden(case: str) -> None:
    messages = render_digest(CASES[case])
    assert_valid(messages)
    check_golden(f"{case}.json", messages)


def test_colour_by_move() -> None:
    [message] = render_digest(CASES["en-digest-full"])
    colours = [e["color"] for e in message["embeds"]]
    assert colours == [COLOUR_DOWN, COLOUR_UP, COLOUR_NEUTRAL]
    assert message["embeds"][0]["description"].startswith("▼")


def item(n: int, *, size: int = 600, lang: str = "en") -> DigestItem:
    return DigestItem(
        title=f"Story {n:02d}: Nvidia and DeepSeek " + "x" * (n % 7),
        link=f"https://example.org/story/{n}",
        source=f"Feed {n % 3}",
        published=NOW - timedelta(minutes=n),
        summary=(f"Summary {n:02d}. " + "Words about chips and models. " * 40)[:size],
        summary_lang=lang,
        key="NVDA" if n % 2 else "DEEPSEEK",
    )


def big_digest(count: int = 60, lang: Lang = "en") -> Digest:
    items = [item(n) for n in range(count)]
    groups = (
        DigestGroup(key="NVDA", kind="ticker", items=tuple(i for i in items if i.key == "NVDA"),
                    move=1.5),
        DigestGroup(key="DEEPSEEK", kind="keyword",
                    items=tuple(i for i in items if i.key == "DEEPSEEK")),
    )
    return Digest(lang=lang, timezone="Europe/Berlin", generated_at=NOW, groups=groups,
                  overflow=3)


def test_sixty_items_split_in_order_within_limits() -> None:
    digest = big_digest()
    messages = render_digest(digest)
    assert len(messages) > 1
    assert_valid(messages)
    shown = [field["name"] for m in messages for e in m["embeds"] for field in e["fields"]]
    expected = [clean(i.title) for g in digest.groups for i in g.items]
    assert shown == expected  # all 60, each once, in order
    for number, message in enumerate(messages, start=1):
        assert f"({number}/{len(messages)})" in message["content"]
    assert "3 more stories" in messages[-1]["content"]
    assert all("more stories" not in m["content"] for m in messages[:-1])
    # a group continued in a later message repeats its title as "(cont.)"
    titles = [e["title"] for m in messages for e in m["embeds"]]
    assert titles[0] == "NVDA"
    assert "NVDA (cont.)" in titles
    assert any(m["embeds"] and m["embeds"][0]["title"] == "DEEPSEEK (cont.)" for m in messages)


def test_huge_texts_are_capped_in_utf16_units() -> None:
    # astral characters count twice in UTF-16: a naive len() would overshoot the limits
    emoji = "📈" * 3000
    giant = DigestItem(title=emoji, link="https://example.org/" + "a" * 3000, source=emoji,
                       published=NOW, summary=emoji * 2, summary_lang="en", key=emoji,
                       tags=(emoji,), move=-1.0)
    groups = tuple(DigestGroup(key=f"K{n}" + emoji, kind="keyword", items=(giant,) * 30,
                               move=-2.0) for n in range(12))
    digest = Digest(lang="de", timezone="UTC", generated_at=NOW, groups=groups, overflow=1)
    messages = render_digest(digest)
    assert_valid(messages)
    assert sum(len(e["fields"]) for m in messages for e in m["embeds"]) == 12 * 30
    assert utf16_len("📈") == 2


def test_many_small_groups_stay_within_ten_embeds() -> None:
    groups = tuple(DigestGroup(key=f"K{n}", kind="keyword", items=(item(n, size=20),))
                   for n in range(37))
    digest = Digest(lang="en", timezone="UTC", generated_at=NOW, groups=groups)
    messages = render_digest(digest)
    assert_valid(messages)
    assert [e["title"] for m in messages for e in m["embeds"]] == [f"K{n}" for n in range(37)]


HOSTILE = DigestItem(
    title="@everyone buy now <@&123> <@456> <#789> @here",
    link="https://example.org/a",
    source="Evil @everyone feed",
    published=NOW,
    summary="Click [https://bank.example](https://evil.example) \u202eevil\u200b @everyone",
    summary_lang="en",
    key="NVDA",
    tags=("<@&1>",),
)


def test_feed_text_cannot_ping_or_spoof() -> None:
    digest = Digest(lang="en", timezone="UTC", generated_at=NOW, instant=True,
                    groups=(DigestGroup(key="NVDA", kind="ticker", items=(HOSTILE,)),))
    messages = render_digest(digest)
    assert_valid(messages)
    text = json.dumps(messages, ensure_ascii=False)
    assert "\u202e" not in text and "\u200b" not in text
    value = messages[0]["embeds"][0]["fields"][0]["value"]
    assert "\\[https://bank.example\\](https://evil.example)" in value  # no masked link
    assert value.endswith("https://example.org/a")  # the real link, clickable


def test_reply_text_is_defused_and_chunked() -> None:
    reply = Reply(lines=("Subscribed: @everyone <@1>", *[f"line {n} " + "y" * 90
                                                        for n in range(60)]), error=True)
    messages = render_reply(reply)
    assert len(messages) > 1
    assert_valid(messages)
    assert messages[0]["content"].startswith("⚠ Subscribed:")
    joined = "\n".join(m["content"] for m in messages)
    assert all(f"line {n} " in joined for n in range(60))
    assert all(utf16_len(m["content"]) <= LIMITS.content for m in messages)


def test_reply_with_digest() -> None:
    reply = Reply(lines=(), digest=replace(CASES["en-alert-one-more"]), ephemeral=False)
    messages = render_reply(reply)
    assert_valid(messages)
    assert messages[0]["embeds"][0]["title"] == "DEEPSEEK"


def test_long_single_line_is_cut() -> None:
    [message] = render_text(["z" * 5000])
    assert utf16_len(message["content"]) <= LIMITS.content
    assert message["content"].endswith("…")


def test_validator_reports_every_limit() -> None:
    bad = {
        "content": "c" * 2001,
        "embeds": [{"title": "t" * 257, "description": "d" * 4097,
                    "footer": {"text": "f" * 2049},
                    "fields": [{"name": "n" * 257, "value": "v" * 1025}] * 26}] * 11,
    }
    problems = " ".join(payload_violations(bad))
    for needle in ("content", "11 embeds", "title", "description", "footer", "26 fields",
                   "name", "value", "total"):
        assert needle in problems


def test_code_block_split_between_messages_is_closed_and_reopened() -> None:
    lines = ["Watchlists:", "```yaml", *[f"- symbol: SYM{n}  # " + "c" * 60 for n in range(80)],
             "```", "done"]
    messages = render_text(lines)
    assert len(messages) > 1
    assert_valid(messages)
    for message in messages:
        assert message["content"].count("```") % 2 == 0
    assert messages[1]["content"].startswith("```\n")
