"""Settings from the environment, and the YAML file with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import (
    Settings,
    load_config_file,
    load_default_config,
    load_settings,
    parse_interval,
)
from bot.errors import InputError


def test_settings_from_env_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NEWSBOT_SLACK_BOT_TOKEN=xoxb-secret\nNEWSBOT_HTTP_PORT=8080\n")
    monkeypatch.setenv("NEWSBOT_ADAPTERS", "console, slack")
    monkeypatch.setenv("NEWSBOT_FETCH_ALLOW_NETWORKS", "127.0.0.0/8")
    settings = Settings()
    assert settings.adapters == ["console", "slack"]
    assert settings.fetch_allow_networks == ["127.0.0.0/8"]
    assert settings.http_port == 8080
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-secret"
    assert "xoxb-secret" not in repr(settings)
    assert settings.database_url == "sqlite:///./newsbot.db"


def test_allow_networks_must_be_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_FETCH_ALLOW_NETWORKS", "127.0.0.0/8, intranet")
    with pytest.raises(ValueError, match="'intranet' is not a network like"):
        Settings()


@pytest.mark.parametrize(("value", "days"), [("0", 0), ("31", 31), ("365", 365)],
                         ids=["forever", "shortest", "a-year"])
def test_entry_retention_days(monkeypatch: pytest.MonkeyPatch, value: str, days: int) -> None:
    monkeypatch.setenv("NEWSBOT_ENTRY_RETENTION_DAYS", value)
    assert Settings().entry_retention_days == days


@pytest.mark.parametrize("value", ["1", "30", "-1"])
def test_entry_retention_shorter_than_the_health_window_is_refused(
        monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("NEWSBOT_ENTRY_RETENTION_DAYS", value)
    with pytest.raises(ValueError, match="entry_retention_days"):
        Settings()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("10s", 10), ("10m", 600), ("2h", 7200), (" 5 m ", 300), (30, 30)],
    ids=["seconds", "minutes", "hours", "spaces", "int"],
)
def test_parse_interval(text: str | int, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize(
    "text",
    ["5s", "10x", "m", "-1m", 3],
    ids=["too-short", "unit", "no-number", "negative", "int-too-short"],
)
def test_parse_interval_rejects(text: str | int) -> None:
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


GOOD = """\
feeds:
  - {url: "https://example.org/rss", interval: 10m}
watchlists:
  - name: tech
    tickers:
      - {symbol: SNOW, names: [Snowflake]}
    keywords:
      - {key: DEEPSEEK, terms: [DeepSeek]}
channels:
  - {adapter: console, id: markets-de, lang: de, timezone: Europe/Berlin,
     mode: digest, schedule: ["08:00", "17:30"], subscribe: [SNOW, "watchlist:tech"]}
"""


def test_load_good_config(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.yaml"
    path.write_text(GOOD)
    cfg = load_config_file(path)
    assert cfg.feeds[0].interval_s == 600
    assert cfg.watchlists[0].to_watchlist().tickers[0].names == ("Snowflake",)
    assert cfg.channels[0].schedule == ["08:00", "17:30"]


BAD = [
    ("feeds:\n  - {url: x, interval: 5s}\n", 2, "interval"),
    ("feeds:\n  - url: x\n    interval: 10m\n    colour: red\n", 4, "colour"),
    ("channels:\n  - adapter: console\n    id: a\n    timezone: Mars/Base\n", 4, "time zone"),
    ("channels:\n  - adapter: console\n    id: a\n    schedule: ['25:00']\n", 4, "time of day"),
    ("channels:\n  - {adapter: console, id: a, lang: fr}\n", 2, "lang"),
    ("watchlists:\n  - name: t\n    tickers:\n      - {symbol: 'S N'}\n", 4, "symbol"),
    ("feeds: [\n", 2, "invalid YAML"),
    ("- just\n- a list\n", 1, "mapping"),
    ("watchlists:\n  - name: t\n    keywords:\n      - {key: K, regex: ['(x']}\n", 4,
     "invalid regex"),
    ("watchlists:\n  - name: t\n    keywords:\n      - {key: K}\n", 4, "terms or regex"),
    ("watchlists:\n  - name: t\n    keywords:\n      - {key: K, terms: [' ']}\n", 4,
     "must not be empty"),
]


@pytest.mark.parametrize(("text", "line", "words"), BAD,
                         ids=["interval", "unknown-key", "timezone", "clock", "lang", "symbol",
                              "yaml-syntax", "not-mapping", "bad-regex", "no-terms",
                              "blank-term"])
def test_bad_config_names_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_config_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}:"), message
    assert words in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_config_file(tmp_path / "nope.yaml")


def test_embedded_default_is_valid() -> None:
    cfg = load_default_config()
    assert cfg.feeds and all(f.url.startswith("sample:") for f in cfg.feeds)
    assert any(c.lang == "de" for c in cfg.channels)


def test_env_example_documents_every_setting() -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"NEWSBOT_{name.upper()}=" in example, name


def test_duplicate_symbol_in_a_config_watchlist_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("watchlists:\n  - name: t\n    tickers:\n      - {symbol: SNOW}\n"
                    "      - {symbol: snow}\n")
    with pytest.raises(InputError) as info:
        load_config_file(path)
    assert str(info.value).startswith(f"{path}:5:")
    assert "duplicate symbol" in str(info.value) and "'snow'" in str(info.value)


@pytest.mark.parametrize(("from_env", "source"), [(True, "environment"), (False, ".env")],
                         ids=["environment", "dotenv"])
def test_a_bad_setting_names_its_variable_and_source(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, from_env: bool, source: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSBOT_ENTRY_RETENTION_DAYS", raising=False)
    if from_env:
        monkeypatch.setenv("NEWSBOT_ENTRY_RETENTION_DAYS", "7")
    else:
        (tmp_path / ".env").write_text("NEWSBOT_ENTRY_RETENTION_DAYS=7\n")
    with pytest.raises(InputError) as raised:
        load_settings()
    assert str(raised.value) == (
        f"NEWSBOT_ENTRY_RETENTION_DAYS ({source}): must be 0 (keep forever) or at least 31 "
        "days: feed health notices look back 30 days")


@pytest.mark.parametrize("url", [
    "sqlite:///./newsbot.db", "sqlite+aiosqlite:///x.db", "sqlite:///:memory:",
    "postgresql+psycopg://u:p@db:5432/newsbot", "postgresql://u@db/newsbot", "postgres://u@db/n",
])
def test_database_urls_newsbot_runs_on_are_accepted(url: str) -> None:
    assert Settings(database_url=url).database_url == url


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("NEWSBOT_LOG_LEVEL", "loud", "must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ("NEWSBOT_FETCH_CONCURRENCY", "0", "greater than or equal to 1"),  # would poll nothing
    ("NEWSBOT_POLL_TICK_S", "-1", "greater than 0"),
    ("NEWSBOT_DELIVER_TICK_S", "0", "greater than 0"),
    ("NEWSBOT_FETCH_TIMEOUT_S", "0", "greater than 0"),
    ("NEWSBOT_FETCH_MAX_BYTES", "10", "greater than or equal to 1024"),
    ("NEWSBOT_DIGEST_MAX_ITEMS", "-5", "greater than or equal to 1"),
    ("NEWSBOT_BASELINE_ITEMS", "-1", "greater than or equal to 0"),
    ("NEWSBOT_BASELINE_WINDOW_H", "-2", "greater than or equal to 0"),
    ("NEWSBOT_HTTP_PORT", "70000", "less than or equal to 65535"),
], ids=lambda v: str(v)[:30])
def test_settings_out_of_range_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           variable: str, value: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError, match=f"^{variable} \\(environment\\): .*{message}"):
        load_settings()


@pytest.mark.parametrize("level", ["debug", "INFO", "Warning"])
def test_log_levels_in_any_case(monkeypatch: pytest.MonkeyPatch, level: str) -> None:
    monkeypatch.setenv("NEWSBOT_LOG_LEVEL", level)
    assert Settings().log_level == level
