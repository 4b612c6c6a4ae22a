"""Acceptance: the article the product started from, served from 127.0.0.1, through
`newsbot run --once`, to a German and an English console channel."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.support.feeds import Item, rss
from tests.support.httpserver import Route, serve

LINK = "https://example.org/snowflake-deepseek"


def config(url: str) -> str:
    return f"""\
feeds:
  - {{url: "{url}", interval: 10m}}
watchlists:
  - name: seed
    tickers:
      - {{symbol: SNOW, names: [Snowflake]}}
    keywords:
      - {{key: DEEPSEEK, terms: [DeepSeek]}}
channels:
  - {{adapter: console, id: markets-de, lang: de, timezone: Europe/Berlin, mode: digest,
     schedule: ["08:00"], subscribe: [SNOW, DEEPSEEK]}}
  - {{adapter: console, id: markets-en, lang: en, timezone: America/New_York, mode: digest,
     schedule: ["08:00"], subscribe: [SNOW, DEEPSEEK]}}
"""


def section(stdout: str, channel: str) -> str:
    parts = re.split(r"^── console:", stdout, flags=re.M)
    [found] = [p for p in parts if p.startswith(f"{channel} ──")]
    return found


def test_seed_article_reaches_german_and_english_channels(shared: Path, tmp_path: Path) -> None:
    text = (shared / "seed" / "snowflake-deepseek.de.txt").read_text(encoding="utf-8")
    first_line = text.split("\n", 1)[0]
    title = first_line[: first_line.index(".") + 1] if "." in first_line else first_line
    now = datetime.now(UTC)
    body = rss([Item(title, guid="seed-1", link=LINK, description=text, published=now)])
    with serve({"/seed.xml": Route(body)}) as server:
        cfg = tmp_path / "newsbot.yaml"
        cfg.write_text(config(server.url("/seed.xml")))
        proc = subprocess.run(
            [sys.executable, "-m", "bot", "run", "--once", "--config", str(cfg)],
            capture_output=True, text=True, timeout=120, check=False,
            env={**os.environ, "NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'seed.db'}",
                 "NEWSBOT_FETCH_ALLOW_NETWORKS": "127.0.0.0/8"},  # the feed server's network
        )
    assert proc.returncode == 0, proc.stderr
    german = section(proc.stdout, "markets-de")
    english = section(proc.stdout, "markets-en")

    assert "Nachrichten-Überblick" in german
    assert "SNOW" in german and "-3,37 %" in german
    assert "DEEPSEEK" in german or "DeepSeek" in german
    assert LINK in german
    assert "News digest" in english and "-3.37%" in english and LINK in english
    month_en = now.astimezone().strftime("%b")
    assert month_en in english

    # the summary: the wrapped lines between the item's meta line and its link
    lines = german.splitlines()
    link_at = next(i for i, line in enumerate(lines) if LINK in line)
    meta_at = max(i for i in range(link_at) if "auch: DEEPSEEK" in lines[i])
    summary = " ".join(line.strip() for line in lines[meta_at + 1 : link_at])
    assert 20 < len(summary) <= 300, summary
    assert summary.endswith((".", "!", "?", "…", '"', "“", "”"))
