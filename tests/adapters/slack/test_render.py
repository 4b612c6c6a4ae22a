"""Slack rendering: golden payloads in `golden/`, every Slack limit on every message, a
60-story digest split in order, and feed text that cannot ping or spoof anyone.

To accept a deliberate change of layout, run with NEWSBOT_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.render import (
    LIMITS,
    MAX_ITEMS_PER_MESSAGE,
    clean,
    cut,
    escape,
    message_violations,
    render_digest,
    render_reply,
    render_text,
    safe_link,
)
from bot.core.models import Digest, DigestGroup, DigestItem, Lang, Reply
from tests.adapters.console.test_render import CASES

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("NEWSBOT_UPDATE_GOLDEN") == "1"
NOW = datetime(2026, 11, 28, 16, 45, tzinfo=UTC)

# what Slack parses as a mention, a channel ping or a link in mrkdwn: all need a raw "<"
LIVE = re.compile(r"<[!@#]|<https?:")


def check_golden(name: str, messages: list[dict[str, Any]]) -> None:
    path = GOLDEN / name
    rendered = json.dumps(messages, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if UPDATE:
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


def texts(message: dict[str, Any]) -> list[str]:
    out = [message.get("text") or ""]
    for block in message.get("blocks") or []:
        if block["type"] in {"section", "header"}:
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out += [e["text"] for e in block["elements"]]
    return out


def links(text: str) -> list[str]:
    """The URLs of the `<url|label>` links in one mrkdwn text."""
    return re.findall(r"<(https?://[^|>]+)\|", text)


def assert_valid(messages: list[dict[str, Any]], *, allowed_links: set[str] | None = None
                 ) -> None:
    """Every Slack limit on every message; no mention and no link but the stories' own."""
    assert messages
    for message in messages:
        assert message_violations(message) == [], message
        for text in texts(message):
            stripped = re.sub(r"<https?://[^|>\s]+\|[^<>]*>", "", text)  # our own links
            assert not LIVE.search(stripped), text
            if allowed_links is not None:
                assert set(links(text)) <= allowed_links, text


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_render_digest_golden(case: str) -> None:
    messages = render_digest(CASES[case])
    assert_valid(messages)
    check_golden(f"{case}.json", messages)


def test_layout_of_one_story() -> None:
    [message] = render_digest(CASES["en-digest-full"])
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds[0] == "header" and kinds[1:3] == ["divider", "section"]
    assert kinds[-1] == "context"  # the overflow line
    assert message["blocks"][2]["text"]["text"].startswith("*SNOW*")
    story = message["blocks"][3]["text"]["text"]
    assert story.startswith("*<https://")


def item(n: int, *, size: int = 600, lang: str = "en") -> DigestItem:
    return DigestItem(
        title=f"Story {n:02d}: Nvidia & DeepSeek " + "x" * (n % 7),
        link=f"https://example.org/story/{n}?a=1&b=2",
        source=f"Feed {n % 3}",
        published=NOW - timedelta(minutes=n),
        summary=(f"Summary {n:02d}. " + "Words about chips <and> models. " * 60)[:size],
        summary_lang=lang,
        key="NVDA" if n % 2 else "DEEPSEEK",
    )


def big_digest(count: int = 60, lang: Lang = "en", size: int = 600) -> Digest:
    items = [item(n, size=size) for n in range(count)]
    groups = (
        DigestGroup(key="NVDA", kind="ticker", items=tuple(i for i in items if i.key == "NVDA"),
                    move=1.5),
        DigestGroup(key="DEEPSEEK", kind="keyword",
                    items=tuple(i for i in items if i.key == "DEEPSEEK")),
    )
    return Digest(lang=lang, timezone="Europe/Berlin", generated_at=NOW, groups=groups,
                  overflow=3)


def story_titles(messages: list[dict[str, Any]]) -> list[str]:
    out = []
    for message in messages:
        for block in message["blocks"]:
            text = block.get("text", {}).get("text", "")
            if block["type"] == "section" and text.startswith("*<"):
                out.append(re.match(r"\*<[^|]+\|(.*)>\*", text.split("\n")[0]).group(1))
    return out


@pytest.mark.parametrize("size", [100, 600, 5000])
def test_sixty_items_split_in_order_within_limits(size: int) -> None:
    """Acceptance 5: a 60-story digest becomes several messages, each within every limit,
    every story once and in order, "(i/n)" on each, the overflow line on the last."""
    digest = big_digest(size=size)
    messages = render_digest(digest)
    assert len(messages) >= 60 // MAX_ITEMS_PER_MESSAGE
    assert_valid(messages)
    expected = [clean(i.title) for g in digest.groups for i in g.items]
    assert story_titles(messages) == expected
    for number, message in enumerate(messages, start=1):
        assert message["blocks"][0]["text"]["text"].endswith(f"({number}/{len(messages)})")
        assert f"({number}/{len(messages)})" in message["text"]
        assert len(message["blocks"]) <= LIMITS.blocks
    assert "3 more stories" in messages[-1]["blocks"][-1]["elements"][0]["text"]
    assert all("more stories" not in json.dumps(m) for m in messages[:-1])
    headings = [b["text"]["text"] for m in messages for b in m["blocks"]
                if b["type"] == "section" and b["text"]["text"].startswith("*")
                and not b["text"]["text"].startswith("*<")]
    assert headings[0].startswith("*NVDA*")
    assert any(h.startswith("*NVDA* (cont.)") for h in headings)
    assert any(h.startswith("*DEEPSEEK* (cont.)") for h in headings)


def test_giant_texts_are_capped() -> None:
    huge = "ü&<" * 5000
    giant = DigestItem(title=huge, link="https://example.org/" + "a" * 900, source=huge,
                       published=NOW, summary=huge, summary_lang="de", key=huge,
                       tags=(huge,), move=-1.0)
    groups = tuple(DigestGroup(key=f"K{n}" + huge, kind="keyword", items=(giant,) * 15,
                               move=-2.0) for n in range(7))
    digest = Digest(lang="de", timezone="UTC", generated_at=NOW, groups=groups, overflow=1)
    messages = render_digest(digest)
    assert_valid(messages)
    assert len(story_titles(messages)) == 7 * 15


def test_many_small_groups_stay_within_fifty_blocks() -> None:
    groups = tuple(DigestGroup(key=f"K{n}", kind="keyword", items=(item(n, size=20),))
                   for n in range(37))
    messages = render_digest(Digest(lang="en", timezone="UTC", generated_at=NOW,
                                    groups=groups))
    assert_valid(messages)
    assert len(story_titles(messages)) == 37


HOSTILE = DigestItem(
    title="<!channel> buy now <@U123> <https://evil.example|your bank> & <!here>",
    link="https://example.org/a?x=1&y=2",
    source="Evil <!everyone> feed",
    published=NOW,
    summary="Click <https://evil.example|https://bank.example> \u202eevil\u200b <#C1>",
    summary_lang="en",
    key="NVDA",
    tags=("<@U999>",),
)


def test_feed_text_cannot_ping_or_spoof() -> None:
    """Acceptance 3 (part): mentions and spoofed links in feed text arrive inert."""
    digest = Digest(lang="en", timezone="UTC", generated_at=NOW, instant=True,
                    groups=(DigestGroup(key="NVDA", kind="ticker", items=(HOSTILE,)),))
    [message] = render_digest(digest)
    assert_valid([message], allowed_links={"https://example.org/a?x=1&amp;y=2"})
    dumped = json.dumps(message, ensure_ascii=False)
    assert "\u202e" not in dumped and "\u200b" not in dumped
    for live in ("<!channel>", "<@U123>", "<https://evil", "<!here>", "<!everyone>", "<#C1>",
                 "<@U999>"):
        assert live not in dumped
    story = message["blocks"][3]["text"]["text"]
    assert story.startswith("*<https://example.org/a?x=1&amp;y=2|&lt;!channel&gt; buy now "
                            "&lt;@U123&gt; &lt;https://evil.example|your bank&gt; &amp; ")
    context = message["blocks"][4]["elements"][0]["text"]
    assert context.startswith("example.org · Evil &lt;!everyone&gt; feed")


@pytest.mark.parametrize("link", ["javascript:alert(1)", "https://a.example/x|y",
                                  "https://a.example/<x>", "https://a b", "ftp://x", ""])
def test_unsafe_links_are_dropped(link: str) -> None:
    assert safe_link(link) is None


def test_escape_and_cut() -> None:
    assert escape("a & <b> c") == "a &amp; &lt;b&gt; c"
    shortened = cut(escape("x" * 20 + "&&&&"), 25)
    assert len(shortened) <= 25 and shortened.endswith("…")
    assert not re.search(r"&(?!amp;|lt;|gt;)", shortened)  # no entity cut in half


def test_reply_text_is_escaped_and_chunked() -> None:
    reply = Reply(lines=("Subscribed: <!channel> <@U1>", *[f"line {n} " + "y" * 190
                                                         for n in range(60)]), error=True)
    messages = render_reply(reply)
    assert len(messages) > 1
    assert_valid(messages)
    assert messages[0]["text"].startswith("⚠ Subscribed: &lt;!channel&gt; &lt;@U1&gt;")
    joined = "\n".join(m["text"] for m in messages)
    assert all(f"line {n} " in joined for n in range(60))


def test_reply_with_digest() -> None:
    reply = Reply(lines=(), digest=CASES["en-alert-one-more"], ephemeral=False)
    messages = render_reply(reply)
    assert_valid(messages)
    assert messages[0]["blocks"][2]["text"]["text"].startswith("*DEEPSEEK*")


def test_long_single_line_is_cut() -> None:
    [message] = render_text(["z" * 5000])
    assert len(message["text"]) <= LIMITS.text
    assert message["text"].endswith("…")


def test_validator_reports_every_limit() -> None:
    bad = {
        "text": "c" * 4001,
        "link_names": True,
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
                   {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}},
                   {"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11},
                   {"type": "image"},
                   *[{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 300}}] * 50],
    }
    problems = " ".join(message_violations(bad))
    for needle in ("text 4001", "blocks >", "link_names", "header 151", "section 3001",
                   "context elements", "unexpected type", "block text"):
        assert needle in problems, needle
    assert message_violations({"text": " "}) == ["empty fallback text"]


def test_overlong_link_is_shown_unlinked() -> None:
    long = DigestItem(title="T", link="https://example.org/" + "a" * 3000, source="S",
                      published=NOW, summary="", summary_lang="en", key="K")
    [message] = render_digest(Digest(lang="en", timezone="UTC", generated_at=NOW, groups=(
        DigestGroup(key="K", kind="keyword", items=(long,)),)))
    assert_valid([message])
    assert message["blocks"][3]["text"]["text"] == "*T*"
