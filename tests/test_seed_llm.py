"""Acceptance with the optional LLM: the seed article (German) through `newsbot run --once`
to an English channel, the LLM being a fake OpenAI-compatible endpoint on 127.0.0.1.

With the LLM answering, the English channel shows its English summary; with the LLM failing,
it shows the German extractive summary (marked by the renderer) and the run still exits 0.
The German channel never asks the LLM."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.support.fake_openai import FakeOpenAI, FakeReply, fake_openai
from tests.support.feeds import Item, rss
from tests.support.httpserver import Route, serve
from tests.test_seed import LINK, config, section

KEY = "sk-seed-test-key-0123456789"
ENGLISH = ("Snowflake decided on Monday to add DeepSeek's models to its marketplace for AI "
           "models after customer requests. Staff had called the models astonishing.")


def seed_feed(shared: Path) -> bytes:
    text = (shared / "seed" / "snowflake-deepseek.de.txt").read_text(encoding="utf-8")
    first_line = text.split("\n", 1)[0]
    title = first_line[: first_line.index(".") + 1] if "." in first_line else first_line
    return rss([Item(title, guid="seed-1", link=LINK, description=text,
                     published=datetime.now(UTC))])


async def run_once(cfg: Path, db: Path, llm: FakeOpenAI) -> tuple[int, str, str]:
    env = {**os.environ, "NEWSBOT_DATABASE_URL": f"sqlite:///{db}",
           "NEWSBOT_LLM_BASE_URL": llm.base_url, "NEWSBOT_LLM_MODEL": "fake-chat",
           "NEWSBOT_LLM_API_KEY": KEY, "NEWSBOT_LLM_TIMEOUT_S": "10",
           "NEWSBOT_LOG_LEVEL": "DEBUG",
           "NEWSBOT_FETCH_ALLOW_NETWORKS": "127.0.0.0/8"}  # the feed server is on 127.0.0.1
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--once", "--config", str(cfg), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def flat(text: str) -> str:
    return " ".join(text.split())


def summary_of(channel_section: str) -> str:
    """The German item's summary: the wrapped lines between its meta line and its link."""
    lines = channel_section.splitlines()
    link_at = next(i for i, line in enumerate(lines) if LINK in line)
    meta_at = max(i for i in range(link_at) if "DEEPSEEK" in lines[i])
    return flat(" ".join(lines[meta_at + 1 : link_at]))


async def test_seed_article_summary_comes_from_the_llm_or_falls_back(
    shared: Path, tmp_path: Path,
) -> None:
    with serve({"/seed.xml": Route(seed_feed(shared))}) as feeds:
        cfg = tmp_path / "newsbot.yaml"
        cfg.write_text(config(feeds.url("/seed.xml")))
        async with fake_openai(FakeReply(content=ENGLISH)) as llm:
            code, out, err = await run_once(cfg, tmp_path / "ok.db", llm)
            assert code == 0, err
            german, english = section(out, "markets-de"), section(out, "markets-en")
            german_summary = summary_of(german)

            # one request: the English channel's, asking for English from German
            [request] = llm.requests
            assert "Write in English" in request.system and "German" in request.system
            assert "Snowflake" in request.user and "<article>" in request.user
            assert request.authorization == f"Bearer {KEY}"
            assert ENGLISH in flat(english)
            assert german_summary not in flat(english)
            assert ENGLISH not in flat(german)
            assert len(german_summary) > 20
            assert KEY not in out and KEY not in err  # logs at DEBUG included
            assert "console:markets-en: localized 1 of 1 summaries into en" in err

            # the LLM fails: the German summary is shown in the English channel, exit 0
            llm.reply = FakeReply(status=500, error_message=f"overloaded {KEY}")
            code, out, err = await run_once(cfg, tmp_path / "failing.db", llm)
            assert code == 0, err
            english = section(out, "markets-en")
            assert german_summary in flat(english)
            assert ENGLISH not in flat(english)
            assert "News digest" in english and LINK in english
            assert "Traceback" not in err
            assert "console:markets-en: localized 0 of 1 summaries into en (1 failed" in err
            assert KEY not in out and KEY not in err
            assert len(llm.requests) == 2
