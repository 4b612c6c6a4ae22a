"""`newsbot watchlist import|export` against a temporary SQLite file.

Most runs call the Typer app in-process (CliRunner; each command does its own asyncio.run),
one test runs the real subprocess to check exit code and stderr end to end.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.cli_watchlist import read_watchlist_file
from bot.config import KeywordConfig, TickerConfig, load_config_file
from bot.core.models import KeywordEntry, TickerEntry
from bot.errors import InputError

# every optional field, values YAML would misread unquoted, names: [] next to absent names
GOOD = """\
watchlists:
  - name: tech
    tickers:
      - {symbol: SNOW, names: [Snowflake]}
      - {symbol: SIE, names: [Siemens], exclude: [Siemens Energy, Siemens Healthineers]}
      - {symbol: 'ON', names: []}
      - {symbol: NVDA, extra_names: [Nvidia-Aktie]}
      - {symbol: BRK.B, names: ['Berkshire, Hathaway', 'yes', '#1: x'], bare: false}
    keywords:
      - {key: DEEPSEEK, terms: [DeepSeek]}
      - {key: KI, terms: [KI, künstliche Intelligenz], case_sensitive: true}
      - {key: GPT, terms: [ChatGPT], case_sensitive: false, exclude: [GPT-Partition]}
      - {key: MODELS, regex: [GPT-\\d+]}
  - name: '2025'
"""

# the same, sorted by name, as export writes it
EXPORTED = GOOD.replace("watchlists:\n", "watchlists:\n  - name: '2025'\n", 1).removesuffix(
    "  - name: '2025'\n")

BASE = """\
watchlists:
  - name: tech
    tickers:
      - {symbol: SNOW, names: [Snowflake]}
      - {symbol: SIE, names: [Siemens]}
    keywords:
      - {key: KI, terms: [KI]}
  - name: other
    keywords:
      - {key: AI, terms: [AI]}
"""

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "x.db"
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", f"sqlite:///{path}")
    return path


def newsbot(*args: str) -> Result:
    return runner.invoke(app, list(args))


def write(tmp_path: Path, text: str, name: str = "wl.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def export_text() -> str:
    return ok(newsbot("watchlist", "export")).stdout


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_import_then_export_round_trips_exactly(db: Path, tmp_path: Path) -> None:
    result = ok(newsbot("watchlist", "import", str(write(tmp_path, GOOD))))
    assert result.stdout.splitlines() == [
        "created watchlist tech: 5 tickers, 4 keywords",
        "created watchlist 2025: 0 tickers, 0 keywords",
    ]
    first = export_text()
    assert first == EXPORTED
    out = tmp_path / "out.yaml"
    ok(newsbot("watchlist", "export", "--output", str(out)))
    assert out.read_text(encoding="utf-8") == first
    again = ok(newsbot("watchlist", "import", str(out)))
    assert again.stdout.splitlines() == ["unchanged watchlist 2025: 0 tickers, 0 keywords",
                                         "unchanged watchlist tech: 5 tickers, 4 keywords"]
    assert export_text() == first
    # what was stored is what the file says: absent names ≠ names: []
    tech = next(w for w in read_watchlist_file(out) if w.name == "tech")
    assert tech == next(w for w in read_watchlist_file(write(tmp_path, GOOD)) if w.name == "tech")
    assert [t.names for t in tech.tickers][2:4] == [(), None]
    assert ok(newsbot("watchlist", "export", "--name", "2025")).stdout == (
        "watchlists:\n  - name: '2025'\n")


def test_symbols_and_keys_are_stored_upper_case(db: Path, tmp_path: Path) -> None:
    ok(newsbot("watchlist", "import", str(write(tmp_path, "watchlists:\n  - name: t\n    "
                                                "tickers: [{symbol: snow}]\n    keywords: "
                                                "[{key: ki, terms: [KI]}]\n"))))
    assert export_text() == ("watchlists:\n  - name: t\n    tickers:\n      - {symbol: SNOW}\n"
                             "    keywords:\n      - {key: KI, terms: [KI]}\n")


HEAD = "watchlists:\n  - name: good\n    tickers:\n      - {symbol: OK}\n  - name: tech\n"

# (file text, line of the error, fragments of the message); `good` comes first and is valid,
# so a half-written import would show up in the export
BAD = [
    (HEAD + "    tickers:\n      - {symbol: 'SN OW'}\n", 7,
     ["watchlist 'tech', ticker 'SN OW'", "symbol must be"]),
    (HEAD + "    tickers:\n      - {symbol: SNOW}\n      - {symbol: snow, names: [x]}\n", 8,
     ["ticker 'snow'", "duplicate symbol", "line 7"]),
    (HEAD + "    keywords:\n      - {key: KI, terms: [KI]}\n      - {key: KI, terms: [AI]}\n",
     8, ["watchlist 'tech', keyword 'KI'", "duplicate keyword key"]),
    (HEAD + "  - name: tech\n", 6, ["watchlist 'tech'", "duplicate watchlist name"]),
    (HEAD + "    keywords:\n      - {key: KI, terms: [KI, '']}\n", 7,
     ["keyword 'KI'", "terms", "empty"]),
    (HEAD + "    keywords:\n      - {key: KI, terms: []}\n", 7, ["keyword 'KI'", "terms"]),
    (HEAD + "    tickers:\n      - {symbol: SNOW, names: [Snowflake, ' ']}\n", 7,
     ["ticker 'SNOW'", "names must not contain empty strings"]),
    (HEAD + "    tickers:\n      - {symbol: SNOW, colour: red}\n", 7,
     ["ticker 'SNOW'", "unknown field 'colour'"]),
    (HEAD + "    tickerz: []\n", 6, ["watchlist 'tech'", "unknown field 'tickerz'"]),
    (HEAD + "    tickers:\n      - {symbol: SNOW, names: [a], names: [b]}\n", 7,
     ["watchlist 'tech', ticker 'SNOW'", "duplicate key 'names'"]),
    (HEAD + "    tickers:\n      - {symbol: ON}\n", 7, ["ticker 'ON'", 'quote it: "ON"']),
    (HEAD.replace("name: tech", "name: Tech"), 5, ["watchlist 'Tech'", "name must be"]),
    (HEAD + "    keywords:\n      - {terms: [x]}\n", 7, ["keyword #1", "missing field 'key'"]),
    (HEAD + "    tickers:\n      - {symbol: SNOW, names: Snowflake}\n", 7,
     ["ticker 'SNOW'", "names must be a list"]),
    (HEAD + "    tickers: [\n", 7, ["invalid YAML"]),
]
BAD_IDS = ["bad-symbol", "duplicate-symbol", "duplicate-keyword", "duplicate-watchlist",
           "empty-term", "no-terms", "empty-name", "unknown-ticker-field",
           "unknown-watchlist-field", "duplicate-yaml-key", "unquoted-bool", "bad-name",
           "missing-key", "names-not-list", "yaml-syntax"]


@pytest.mark.parametrize(("text", "line", "fragments"), BAD, ids=BAD_IDS)
def test_bad_entry_names_file_line_and_entry_and_writes_nothing(
        db: Path, tmp_path: Path, text: str, line: int, fragments: list[str]) -> None:
    ok(newsbot("watchlist", "import", str(write(tmp_path, BASE, "base.yaml"))))
    before = export_text()
    path = write(tmp_path, text)
    for mode in ("--replace", "--merge"):
        assert_one_line_error(newsbot("watchlist", "import", mode, str(path)), f"{path}:{line}:",
                              *fragments)
    assert export_text() == before


def test_unreadable_file(db: Path, tmp_path: Path) -> None:
    assert_one_line_error(newsbot("watchlist", "import", str(tmp_path / "nope.yaml")),
                          "nope.yaml", "file not found")


def test_replace_merge_and_dry_run(db: Path, tmp_path: Path) -> None:
    ok(newsbot("watchlist", "import", str(write(tmp_path, BASE, "base.yaml"))))
    update = write(tmp_path, "watchlists:\n  - name: tech\n    tickers:\n"
                             "      - {symbol: NVDA}\n      - {symbol: SNOW, names: [Snowflake"
                             " Inc]}\n    keywords:\n      - {key: DEEPSEEK, terms: [DeepSeek]}\n"
                             "  - name: new\n    tickers:\n      - {symbol: SAP}\n")
    before = export_text()

    dry = ok(newsbot("watchlist", "import", "--dry-run", str(update)))
    assert dry.stdout.splitlines() == [
        "would replace watchlist tech: 2 tickers, 1 keywords (2 added, 1 updated, 2 removed)",
        "would create watchlist new: 1 tickers, 0 keywords",
    ]
    dry = ok(newsbot("watchlist", "import", "--merge", "--dry-run", str(update)))
    assert dry.stdout.splitlines()[0] == (
        "would merge watchlist tech: 3 tickers, 2 keywords (2 added, 1 updated)")
    assert export_text() == before

    # merge: stored entries keep their place (overwritten in place), new ones come after
    merged = ok(newsbot("watchlist", "import", "--merge", str(update)))
    assert merged.stdout.splitlines() == [
        "merged watchlist tech: 3 tickers, 2 keywords (2 added, 1 updated)",
        "created watchlist new: 1 tickers, 0 keywords",
    ]
    tech = ok(newsbot("watchlist", "export", "--name", "tech")).stdout
    assert tech == ("watchlists:\n  - name: tech\n    tickers:\n"
                    "      - {symbol: SNOW, names: [Snowflake Inc]}\n"
                    "      - {symbol: SIE, names: [Siemens]}\n      - {symbol: NVDA}\n"
                    "    keywords:\n      - {key: KI, terms: [KI]}\n"
                    "      - {key: DEEPSEEK, terms: [DeepSeek]}\n")
    assert ok(newsbot("watchlist", "import", "--merge", str(update))).stdout.splitlines()[0] == (
        "unchanged watchlist tech: 3 tickers, 2 keywords")

    # replace (the default): exactly the file's entries, in the file's order
    replaced = ok(newsbot("watchlist", "import", str(update)))
    assert replaced.stdout.splitlines()[0] == (
        "replaced watchlist tech: 2 tickers, 1 keywords (2 removed)")
    both = ok(newsbot("watchlist", "export", "--name", "tech", "--name", "other")).stdout
    assert both == ("watchlists:\n  - name: other\n    keywords:\n      - {key: AI, terms: [AI]}\n"
                    "  - name: tech\n    tickers:\n      - {symbol: NVDA}\n"
                    "      - {symbol: SNOW, names: [Snowflake Inc]}\n"
                    "    keywords:\n      - {key: DEEPSEEK, terms: [DeepSeek]}\n")


def test_dry_run_on_empty_database_writes_nothing(db: Path, tmp_path: Path) -> None:
    result = ok(newsbot("watchlist", "import", "--dry-run", str(write(tmp_path, GOOD))))
    assert result.stdout.splitlines()[0] == "would create watchlist tech: 5 tickers, 4 keywords"
    assert export_text() == "watchlists: []\n"


def test_export_unknown_name(db: Path, tmp_path: Path) -> None:
    ok(newsbot("watchlist", "import", str(write(tmp_path, BASE))))
    assert_one_line_error(newsbot("watchlist", "export", "--name", "tech", "--name", "nope"),
                          "unknown watchlist 'nope'", "known: other, tech")
    assert_one_line_error(newsbot("watchlist", "export", "--output",
                                  str(tmp_path / "missing-dir" / "out.yaml")),
                          "missing-dir", "cannot write")


def test_config_file_errors_name_the_entry_too(tmp_path: Path) -> None:
    path = write(tmp_path, "watchlists:\n  - name: tech\n    tickers:\n      - {symbol: SNOW}\n"
                           "      - {symbol: 'SN OW'}\n")
    with pytest.raises(InputError) as info:
        load_config_file(path)
    assert str(info.value).startswith(f"{path}:5: watchlist 'tech', ticker 'SN OW': symbol must")


def test_every_entry_field_can_be_exported() -> None:
    """Export writes an entry through the file schema: a model field the schema lacks would be
    dropped silently (e.g. a new TickerEntry field without its TickerConfig field)."""
    for entry, schema in ((TickerEntry, TickerConfig), (KeywordEntry, KeywordConfig)):
        missing = {f.name for f in dataclasses.fields(entry)} - set(schema.model_fields)
        assert not missing, f"{schema.__name__} lacks {missing}"


def test_real_process_exit_codes(db: Path, tmp_path: Path) -> None:
    env = {**os.environ}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "watchlist", *args],
                              capture_output=True, text=True, env=env, timeout=120, check=False)

    bad = write(tmp_path, HEAD + "    tickers:\n      - {symbol: 'SN OW'}\n", "bad.yaml")
    proc = run("import", str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"newsbot: error: {bad}:7: watchlist 'tech', ticker 'SN OW': symbol must be 1-12 "
        "letters, digits, '.' or '-', starting with a letter or digit"]
    proc = run("import", str(write(tmp_path, GOOD)))
    assert proc.returncode == 0, proc.stderr
    assert ok(newsbot("watchlist", "export")).stdout == EXPORTED
