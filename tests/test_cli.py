"""The `newsbot` command in a real subprocess: the contracts of DESIGN §3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.feeds import Item, rss
from tests.support.httpserver import Route, serve


def newsbot(*args: str, stdin: str | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          input=stdin, env=full_env, timeout=120, check=False)


def assert_clean_error(proc: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_run_once_on_embedded_default_prints_a_german_digest(tmp_path: Path) -> None:
    proc = newsbot("run", "--once")
    assert proc.returncode == 0, proc.stderr
    assert "Nachrichten-Überblick" in proc.stdout
    assert "https://" in proc.stdout  # at least one item with its link
    assert (tmp_path / "newsbot.db").exists()
    # a second pass has nothing new: no repeated digest
    again = newsbot("run", "--once")
    assert again.returncode == 0, again.stderr
    assert "Nachrichten-Überblick" not in again.stdout


def test_bad_config_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - {url: 'https://example.org/rss', interval: 1s}\n")
    assert_clean_error(newsbot("run", "--once", "--config", str(bad)), 2, f"{bad}:2:", "interval")
    assert_clean_error(newsbot("run", "--once", "--config", str(tmp_path / "nope.yaml")), 2,
                       "nope.yaml", "not found")


def test_config_from_environment_variable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("channels: [\n")
    assert_clean_error(newsbot("run", "--once", env={"NEWSBOT_CONFIG": str(bad)}), 2,
                       f"{bad}:2:", "invalid YAML")


def test_match_outputs_sorted_keys_and_reports_bad_lines(tmp_path: Path) -> None:
    wl = tmp_path / "wl.yaml"
    wl.write_text("watchlists:\n  - name: t\n    tickers:\n      - {symbol: SNOW, names: "
                  "[Snowflake]}\n    keywords:\n      - {key: KI, terms: [KI]}\n")
    rows = tmp_path / "in.jsonl"
    rows.write_text(json.dumps({"id": 1, "title": "Snowflake $SNOW (-3,37 %) setzt auf "
                                "KI-Modelle"}) + "\n" + json.dumps({"id": "b", "title": "Kiel"})
                    + "\n")
    proc = newsbot("match", "--watchlist", str(wl), str(rows))
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(o["id"], o["matches"]) for o in out] == [(1, ["KI", "SNOW"]), ("b", [])]
    assert any(h.get("move") == -3.37 for h in out[0]["hits"])

    rows.write_text('{"id": 1, "title": "x"}\n{"id": 2, "title": \n')
    assert_clean_error(newsbot("match", "--watchlist", str(wl), str(rows)), 2, f"{rows}:2:",
                       "malformed JSON")
    wl.write_text("watchlists:\n  - name: t\n    keywords:\n      - {key: KI}\n")
    assert_clean_error(newsbot("match", "--watchlist", str(wl), str(rows)), 2, f"{wl}:4:",
                       "terms")


def test_summarize_respects_limits(tmp_path: Path) -> None:
    rows = tmp_path / "in.jsonl"
    text = ("Der Konzern meldete am 28. November einen Gewinnsprung. Dr. Müller sprach von "
            "einem starken 3. Quartal. Die Aktie stieg um 2 Prozent. Analysten sind skeptisch.")
    rows.write_text(json.dumps({"id": "x", "title": "Gewinnsprung", "text": text}) + "\n")
    proc = newsbot("summarize", "--lang", "de", str(rows))
    assert proc.returncode == 0, proc.stderr
    [row] = [json.loads(line) for line in proc.stdout.splitlines()]
    assert row["id"] == "x"
    assert row["summary"].startswith("Der Konzern meldete am 28. November einen Gewinnsprung.")
    assert len(row["summary"]) <= 300
    proc = newsbot("summarize", "--lang", "de", "--max-sentences", "1", str(rows))
    assert json.loads(proc.stdout)["summary"] == (
        "Der Konzern meldete am 28. November einen Gewinnsprung.")
    assert_clean_error(newsbot("summarize", "--lang", "fr", str(rows)), 2, "--lang")


def test_parse_files_and_urls_with_per_feed_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(rss([Item("Hallo Welt", guid="1", link="https://ex.org/1")]))
    broken = tmp_path / "broken.xml"
    broken.write_text("<html><body>not a feed</body></html>")
    with serve({"/rss": Route(rss([Item("Per HTTP", guid="h")]))}) as server:
        proc = newsbot("parse", str(good), str(broken), server.url("/rss"),
                       str(tmp_path / "missing.xml"),
                       env={"NEWSBOT_FETCH_ALLOW_NETWORKS": "127.0.0.0/8"})  # 127.0.0.1 server
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(good), str(broken), server.url("/rss"),
                                                  str(tmp_path / "missing.xml")]
    assert lines[0]["entries"][0]["title"] == "Hallo Welt"
    assert "error" in lines[1] and "error" in lines[3]
    assert lines[2]["entries"][0]["title"] == "Per HTTP"


def test_parse_every_corpus_feed(shared: Path) -> None:
    files = sorted(str(p) for p in (shared / "corpus" / "feeds").glob("*.xml"))
    proc = newsbot("parse", *files)
    assert proc.returncode == 0, proc.stdout[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == len(files)
    assert all("error" not in line for line in lines)
    for line in lines:
        for entry in line["entries"]:
            assert entry["published"] is None or entry["published"].endswith("Z")


def test_command_subscribe_list_and_errors() -> None:
    proc = newsbot("command", "--channel", "console:markets", "/news subscribe SNOW $nvda")
    assert proc.returncode == 0, proc.stderr
    assert "SNOW, NVDA" in proc.stdout
    proc = newsbot("command", "--channel", "console:markets", "/news list")
    assert proc.returncode == 0 and "SNOW, NVDA" in proc.stdout
    proc = newsbot("command", "--channel", "console:markets", "/news subscirbe SNOW")
    assert proc.returncode == 1 and "subscribe" in proc.stdout
    assert_clean_error(newsbot("command", "--channel", "markets", "/news list"), 2, "--channel")


def test_command_feed_add_through_the_real_fetcher_and_guard() -> None:
    """`feed add` on a loopback server: refused by the network guard by default, added (title
    and entry count) once NEWSBOT_FETCH_ALLOW_NETWORKS exempts 127.0.0.0/8."""
    body = rss([Item("Eins", guid="1"), Item("Zwei", guid="2"), Item("Drei", guid="3")],
               title="Loopback-Börse")
    with serve({"/feed.xml": Route(body)}) as server:
        url = server.url("/feed.xml")
        refused = newsbot("command", "--as", "admin", f"/news feed add {url}")
        assert refused.returncode == 1, refused.stderr
        assert f"Feed not added: {url}: refused: 127.0.0.1 is a loopback address" in (
            refused.stdout)
        assert server.requests == []
        listing = newsbot("command", "--as", "admin", "/news feed list")
        assert "No feeds yet" in listing.stdout

        allow = {"NEWSBOT_FETCH_ALLOW_NETWORKS": "127.0.0.0/8"}
        added = newsbot("command", "--as", "admin", f"/news feed add {url} 5m", env=allow)
        assert added.returncode == 0, added.stderr
        assert added.stdout.strip() == "Added feed “Loopback-Börse”: 3 entries, polled every 5m."
        assert [path for path, _ in server.requests] == ["/feed.xml"]
    listing = newsbot("command", "--as", "admin", "/news feed list")
    assert f"• Loopback-Börse — {url} · 5m · ok" in listing.stdout
    member = newsbot("command", "--as", "member", f"/news feed remove {url}")
    assert member.returncode == 1 and "Only admins" in member.stdout


def test_audit_lists_changes_and_refusals_newest_first() -> None:
    for role, text in (("member", "/news subscribe SNOW"), ("member", "/news settings lang de"),
                       ("member", "/news feed add https://example.org/rss"),
                       ("admin", "/news watchlist create tech")):
        newsbot("command", "--channel", "console:markets", "--as", role, text)
    proc = newsbot("audit")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 4
    assert [line.split()[1:6] for line in lines] == [
        ["ok", "console:markets", "cli", "watchlist.create", "watchlist:tech"],
        ["refused", "console:markets", "cli", "feed.add", "-"],
        ["ok", "console:markets", "cli", "settings.lang", "console:markets"],
        ["ok", "console:markets", "cli", "subscribe", "SNOW"],
    ]
    assert lines[1].endswith("/news feed add https://example.org/rss")
    assert lines[0][:20].endswith("Z") and lines[0][4] == "-"
    assert newsbot("audit", "--limit", "1").stdout.splitlines() == lines[:1]
    assert newsbot("audit", "--since", "7d").stdout.splitlines() == lines
    as_json = [json.loads(line) for line in newsbot("audit", "--json").stdout.splitlines()]
    assert as_json[1]["outcome"] == "refused" and as_json[1]["action"] == "feed.add"
    assert_clean_error(newsbot("audit", "--since", "yesterday"), 2, "--since")
    assert newsbot("audit", "--limit", "0").returncode == 2


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["parse", "--help"]],
                         ids=["top", "run", "parse"])
def test_help(args: list[str]) -> None:
    proc = newsbot(*args)
    assert proc.returncode == 0 and "Usage" in proc.stdout


@pytest.mark.parametrize(("env", "fragment"), [
    ({"NEWSBOT_ENTRY_RETENTION_DAYS": "10"},
     "NEWSBOT_ENTRY_RETENTION_DAYS (environment): must be 0 (keep forever) or at least 31"),
    ({"NEWSBOT_FETCH_ALLOW_NETWORKS": "intranet"},
     "NEWSBOT_FETCH_ALLOW_NETWORKS (environment): 'intranet' is not a network"),
    ({"NEWSBOT_FETCH_PER_HOST": "none"}, "NEWSBOT_FETCH_PER_HOST (environment):"),
    ({"NEWSBOT_DATABASE_URL": "garbage"},
     "NEWSBOT_DATABASE_URL (environment): not a database URL (e.g. sqlite:///"),
    ({"NEWSBOT_DATABASE_URL": "mysql://user:hunter2@db/newsbot"},
     "newsbot runs on SQLite or PostgreSQL, not 'mysql'"),
], ids=["retention-too-short", "not-a-network", "not-a-number", "not-a-url", "other-database"])
def test_a_bad_setting_is_one_line_naming_the_variable(env: dict[str, str],
                                                       fragment: str) -> None:
    proc = newsbot("run", "--once", env=env)
    assert_clean_error(proc, 2, fragment)
    assert "hunter2" not in proc.stderr
