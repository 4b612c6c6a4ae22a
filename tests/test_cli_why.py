"""`newsbot why`: explain hits and near misses of a text or of a stored entry."""

from __future__ import annotations

from pathlib import Path

from tests.test_cli import assert_clean_error, newsbot

WATCHLIST = """\
watchlists:
  - name: t
    tickers:
      - {symbol: SIE, names: [Siemens]}
      - {symbol: ENR, names: [Siemens Energy]}
      - {symbol: SNOW, names: [Snowflake]}
    keywords:
      - {key: KI, terms: [KI, künstliche Intelligenz]}
"""


def test_why_text_explains_hits_and_near_misses(tmp_path: Path) -> None:
    wl = tmp_path / "wl.yaml"
    wl.write_text(WATCHLIST)
    proc = newsbot("why", "--watchlist", str(wl), "--title", "Snowflake $SNOW (-3,37 %)",
                   "--text", "In Kiel: Siemens Energy setzt auf künstlicher Intelligenz.")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "Matched:"
    assert "  SNOW ← “$SNOW” in the title (cashtag) -3.37%" in lines
    assert "  ENR ← “Siemens Energy” in the text (company name)" in lines
    assert "  KI ← “künstlicher Intelligenz” in the text (keyword)" in lines
    assert "  “Kiel” is not KI: the word goes on after it" in lines
    assert any(line.startswith("  “Siemens” is not SIE") for line in lines)


def test_why_stored_entry_by_url_in_german(tmp_path: Path) -> None:
    env = {"NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'why.db'}"}
    assert newsbot("run", "--once", env=env).returncode == 0
    proc = newsbot("why", "--url", "https://example.org/boerse/nvidia-quartal", "--lang", "de",
                   env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Treffer:\n")
    assert "NVDA ← „Nvidia-Aktie“ im Titel (Firmenname)" in proc.stdout
    assert "(Cashtag) +2,10 %" in proc.stdout


def test_why_errors(tmp_path: Path) -> None:
    env = {"NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    assert_clean_error(newsbot("why", "--text", "x", "--url", "y", env=env), 2, "exactly one")
    assert_clean_error(newsbot("why", "--url", "https://nowhere.example/a", env=env), 2,
                       "no stored entry", "https://nowhere.example/a")
    assert_clean_error(newsbot("why", "--text", "x", "--lang", "fr", env=env), 2, "--lang")


def test_why_uses_reference_names_for_a_ticker_without_names(tmp_path: Path) -> None:
    wl = tmp_path / "wl.yaml"
    wl.write_text("watchlists:\n  - name: t\n    tickers:\n      - {symbol: NVDA}\n")
    proc = newsbot("why", "--watchlist", str(wl), "--text", "Die Nvidia-Aktie steigt.")
    assert proc.returncode == 0, proc.stderr
    assert "NVDA ← “Nvidia-Aktie” in the text (company name)" in proc.stdout
