"""`localize_digest`: other-language summaries go to the summarizer, everything else stays;
any failure, and the digest's deadline, keep the extractive summary."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import build_app, sync_config
from bot.config import ChannelConfig, FileConfig, Settings, load_default_config
from bot.core.digest import build_digest
from bot.core.models import (
    Article,
    Caller,
    ChannelRef,
    Digest,
    DigestItem,
    Lang,
    Match,
    PendingItem,
)
from bot.delivery import summarize_article
from bot.errors import PermanentError, TransientError
from bot.localize import articles_by_key, localize_digest
from tests.support.adapters import RecordingAdapter
from tests.support.clock import FixedClock
from tests.support.fake_openai import FakeReply, fake_openai

NOW = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
GERMAN = "Snowflake nimmt die Modelle von DeepSeek in seinen Marktplatz auf. Das sagte der Chef."
ENGLISH = "Snowflake adds DeepSeek models to its marketplace. The chief said so on Monday."


@dataclass
class ScriptedSummarizer:
    """A fake of our own port: answers (or raises) per title, optionally after a delay."""

    answers: dict[str, str | Exception] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    calls: list[dict[str, object]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    async def summarize(self, *, title: str, text: str, source_lang: str | None,
                        target_lang: Lang, focus: Sequence[str], max_chars: int) -> str:
        self.calls.append({"title": title, "text": text, "source_lang": source_lang,
                           "target_lang": target_lang, "focus": tuple(focus),
                           "max_chars": max_chars})
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delays.get(title, 0.01))
        finally:
            self.in_flight -= 1
        answer = self.answers.get(title, f"English summary of {title}.")
        if isinstance(answer, Exception):
            raise answer
        return answer


def article(title: str, lang: str | None, *, text: str = GERMAN, feed: str = "Börse",
            uid: str | None = None, minutes: int = 0) -> Article:
    return Article(uid=uid or title, title=title, link=None, text=text, lang=lang,
                   published=NOW - timedelta(minutes=minutes), feed_title=feed)


def digest_of(*articles: Article, lang: Lang = "en") -> tuple[Digest, dict[tuple[str, str],
                                                                           Article]]:
    items = [PendingItem(delivery_id=i, article=a, created_at=NOW,
                         matches=(Match("SNOW", "ticker", "Snowflake", "text", 0, 9),
                                  Match("DEEPSEEK", "keyword", "DeepSeek", "text", 30, 38)))
             for i, a in enumerate(articles)]
    digest = build_digest(items=items, lang=lang, timezone="UTC", now=NOW, instant=False,
                          summarize=summarize_article)
    return digest, articles_by_key(articles)


def items_of(digest: Digest) -> dict[str, DigestItem]:
    return {item.title: item for group in digest.groups for item in group.items}


async def test_only_other_language_items_are_sent_and_replaced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.localize")
    digest, articles = digest_of(article("de", "de", minutes=1),
                                 article("en", "en", text=ENGLISH, minutes=2),
                                 article("unknown", None, minutes=3))
    summarizer = ScriptedSummarizer()
    result = await localize_digest(digest, articles=articles, summarizer=summarizer)

    [call] = summarizer.calls
    assert call == {"title": "de", "text": GERMAN, "source_lang": "de", "target_lang": "en",
                    "focus": ("SNOW", "DEEPSEEK"), "max_chars": 300}
    items, before = items_of(result), items_of(digest)
    assert (items["de"].summary, items["de"].summary_lang) == ("English summary of de.", "en")
    assert items["en"] == before["en"] and items["unknown"] == before["unknown"]
    assert [(g.key, len(g.items)) for g in result.groups] == [
        (g.key, len(g.items)) for g in digest.groups]
    assert ("digest: localized 1 of 1 summaries into en (0 failed, 0 timed out, 0 skipped)"
            in caplog.text)


FAILURES = [
    ("transient", TransientError("LLM endpoint answered HTTP 500")),
    ("permanent", PermanentError("LLM endpoint refused the credentials (HTTP 401)")),
    ("bug", RuntimeError("adapter bug")),
    ("empty", "   "),
    ("too-long", "x" * 301),
]


@pytest.mark.parametrize("answer", [f[1] for f in FAILURES], ids=[f[0] for f in FAILURES])
async def test_any_failure_keeps_the_extractive_summary(
    answer: str | Exception, caplog: pytest.LogCaptureFixture,
) -> None:
    digest, articles = digest_of(article("de", "de"))
    summarizer = ScriptedSummarizer(answers={"de": answer})
    result = await localize_digest(digest, articles=articles, summarizer=summarizer)
    assert result == digest
    item = items_of(result)["de"]
    assert item.summary_lang == "de" and item.summary.startswith("Snowflake nimmt")
    assert "digest: localized 0 of 1 summaries into en (1 failed" in caplog.text


async def test_a_permanent_error_stops_the_remaining_requests(
    caplog: pytest.LogCaptureFixture,
) -> None:
    digest, articles = digest_of(*(article(f"de{i}", "de", minutes=i) for i in range(4)))
    summarizer = ScriptedSummarizer(answers={f"de{i}": PermanentError("HTTP 401")
                                             for i in range(4)})
    result = await localize_digest(digest, articles=articles, summarizer=summarizer,
                                   concurrency=1)
    assert len(summarizer.calls) == 1
    assert result == digest
    assert "(1 failed, 0 timed out, 3 skipped)" in caplog.text


async def test_requests_run_concurrently_up_to_the_limit() -> None:
    digest, articles = digest_of(*(article(f"de{i}", "de", minutes=i) for i in range(7)))
    summarizer = ScriptedSummarizer(delays={f"de{i}": 0.05 for i in range(7)})
    result = await localize_digest(digest, articles=articles, summarizer=summarizer,
                                   concurrency=3)
    assert summarizer.max_in_flight == 3 and len(summarizer.calls) == 7
    assert all(i.summary_lang == "en" for i in items_of(result).values())


async def test_the_deadline_keeps_what_is_done_and_drops_the_slow_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    digest, articles = digest_of(article("fast", "de", minutes=1),
                                 article("slow", "de", minutes=2))
    summarizer = ScriptedSummarizer(delays={"slow": 30})
    started = time.perf_counter()
    result = await localize_digest(digest, articles=articles, summarizer=summarizer,
                                   deadline_s=0.3)
    assert time.perf_counter() - started < 5
    items = items_of(result)
    assert items["fast"].summary_lang == "en"
    assert items["slow"] == items_of(digest)["slow"]
    assert ("digest: localized 1 of 2 summaries into en (0 failed, 1 timed out, 0 skipped)"
            in caplog.text)


async def test_articles_are_found_by_feed_and_uid() -> None:
    # the same uid in two feeds: each item is summarized from its own article's text
    digest, articles = digest_of(
        article("from A", "de", feed="A", uid="1", text="Snowflake im Feed A. " + GERMAN),
        article("from B", "de", feed="B", uid="1", text="Snowflake im Feed B. " + GERMAN,
                minutes=1))
    summarizer = ScriptedSummarizer()
    await localize_digest(digest, articles=articles, summarizer=summarizer)
    texts = {str(c["title"]): str(c["text"]) for c in summarizer.calls}
    assert texts["from A"].startswith("Snowflake im Feed A.")
    assert texts["from B"].startswith("Snowflake im Feed B.")


async def test_without_a_summarizer_nothing_changes() -> None:
    digest, articles = digest_of(article("de", "de"))
    assert await localize_digest(digest, articles=articles, summarizer=None) is digest


async def test_summary_command_uses_the_llm_for_an_english_channel(
    db_url: str, clock: FixedClock,
) -> None:
    """Composition root to reply: settings → the OpenAI-compatible adapter → fake endpoint."""
    async with fake_openai(FakeReply(content=ENGLISH)) as fake:
        settings = Settings(database_url=db_url, llm_base_url=fake.base_url,
                            llm_model="fake-chat", llm_api_key="sk-fake")
        app = await build_app(settings, adapters={"console": RecordingAdapter()}, clock=clock)
        try:
            default = load_default_config()
            channel = ChannelConfig(adapter="console", id="en", lang="en",
                                    subscribe=["DEEPSEEK", "SNOW"])
            await sync_config(app.store, FileConfig(feeds=default.feeds,
                                                    watchlists=default.watchlists,
                                                    channels=[channel]), clock)
            await app.service.poll_due_feeds(force=True)
            reply = await app.handle_command(
                Caller(ChannelRef("console", "en"), "U1", "member"), "/news summary 7d")
        finally:
            await app.close()
    assert reply.digest is not None and fake.requests
    items = [i for g in reply.digest.groups for i in g.items]
    from_llm = [i for i in items if i.summary == ENGLISH]
    assert len(from_llm) == len(fake.requests)
    assert all(i.summary_lang == "en" for i in items)
    assert all("Write in English" in r.system for r in fake.requests)


def test_the_summarizer_is_built_only_with_a_base_url_and_a_model(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.app import load_summarizer

    assert load_summarizer(Settings()) is None
    assert load_summarizer(Settings(llm_base_url="http://127.0.0.1:9/v1")) is None
    assert "set both NEWSBOT_LLM_BASE_URL and NEWSBOT_LLM_MODEL" in caplog.text
    summarizer = load_summarizer(Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m",
                                          llm_api_key="sk-never-shown", llm_timeout_s=3))
    assert summarizer is not None and "sk-never-shown" not in repr(summarizer)
    assert "sk-never-shown" not in caplog.text
