"""The redacting log filter (the second line of defence, `bot.log_redaction`): which values
are secrets, and that they are masked in messages, arguments, tracebacks and stack text of
records from any logger, for any handler."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.log_redaction import (
    MASK,
    SecretFilter,
    install_secret_filter,
    redact_secrets,
    secret_values,
    uninstall_secret_filter,
)

TOKEN = "xoxb-not-a-real-token-0001"
KEY = "sk-test-key-ABCDEF"


@pytest.fixture
def installed() -> Iterator[None]:
    uninstall_secret_filter()  # from a clean state: build_app elsewhere may have installed it
    install_secret_filter([TOKEN, KEY])
    yield
    uninstall_secret_filter()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, set()),
        ({"slack_bot_token": SecretStr(TOKEN), "llm_api_key": SecretStr(f"  {KEY} ")},
         {TOKEN, KEY}),
        ({"database_url": "postgresql+psycopg://bot:p%40ss%2Fword@db:5432/news"},
         {"p@ss/word", "p%40ss%2Fword"}),
        ({"database_url": "postgresql://bot:abc@db/news", "discord_token": SecretStr("x")},
         set()),  # too short to mask without mangling every line
        ({"database_url": "sqlite:///./newsbot.db"}, set()),
        ({"database_url": "not a url at all"}, set()),
    ],
    ids=["none", "tokens-trimmed", "dsn-password-both-forms", "too-short", "sqlite",
         "unparsable-url"],
)
def test_secret_values(fields: dict[str, object], expected: set[str]) -> None:
    # unvalidated: Settings refuses an unparsable URL itself, but the filter must cope anyway
    assert secret_values(Settings.model_construct(**fields)) == expected


def record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("lib", logging.DEBUG, __file__, 1, msg, args or None, exc_info)


def failure() -> BaseException:
    try:
        raise RuntimeError(f"request failed: Authorization: Bearer {KEY}")
    except RuntimeError as exc:
        return exc


@pytest.mark.parametrize(
    ("make", "shown"),
    [
        (lambda: record(f"token={TOKEN}"), f"token={MASK}"),
        (lambda: record("headers %s", {"Authorization": f"Bearer {KEY}"}),
         f"headers {{'Authorization': 'Bearer {MASK}'}}"),
        (lambda: record("%s and %s", TOKEN, KEY), f"{MASK} and {MASK}"),
        (lambda: record("nothing secret: %d feeds", 3), "nothing secret: 3 feeds"),
        (lambda: record("broken %d format", "x"), None),  # left to logging to report
    ],
    ids=["message", "argument", "two-secrets", "untouched", "broken-format"],
)
def test_filter_masks_message_and_arguments(make: object, shown: str | None) -> None:
    rec = make()  # type: ignore[operator]
    assert SecretFilter([TOKEN, KEY]).filter(rec) is True  # masks, never drops
    if shown is None:
        with pytest.raises(TypeError):
            rec.getMessage()
    else:
        assert rec.getMessage() == shown


def test_filter_masks_tracebacks_and_stack_text() -> None:
    rec = record("call failed", exc=failure())
    rec.stack_info = f"Stack (most recent call last):\n  token {TOKEN}"
    SecretFilter([TOKEN, KEY]).filter(rec)
    text = logging.Formatter().format(rec)
    assert KEY not in text and TOKEN not in text
    assert f"Bearer {MASK}" in text and "RuntimeError" in text and f"token {MASK}" in text


def test_longer_secret_containing_a_shorter_one_is_masked_whole() -> None:
    short, long = "abcd1234", "abcd1234-and-more"
    rec = record(f"{long} / {short}")
    SecretFilter([short, long]).filter(rec)
    assert rec.getMessage() == f"{MASK} / {MASK}"


def test_installed_filter_covers_every_logger_and_handler(
        installed: None, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")  # it sets itself to WARNING
    for name in ("slack_sdk.web.base_client", "discord.http", "openai._base_client",
                 "sqlalchemy.engine.Engine", "aiohttp.client", "bot.service"):
        logging.getLogger(name).debug("sending %s with key %s", TOKEN, KEY)
    try:
        raise ValueError(KEY)
    except ValueError:
        logging.getLogger("httpx").exception("failed")
    assert len(caplog.records) == 7
    assert TOKEN not in caplog.text and KEY not in caplog.text
    assert caplog.text.count(MASK) == 13
    assert redact_secrets(f"error: {KEY}") == f"error: {MASK}"


def test_install_is_idempotent_and_secrets_add_up(installed: None,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    factory = logging.getLogRecordFactory()
    install_secret_filter(["another-secret-value"])
    assert logging.getLogRecordFactory() is factory
    caplog.set_level(logging.DEBUG)
    logging.getLogger("x").debug("%s %s", TOKEN, "another-secret-value")
    assert caplog.records[0].getMessage() == f"{MASK} {MASK}"


def test_uninstalled_filter_masks_nothing(caplog: pytest.LogCaptureFixture) -> None:
    uninstall_secret_filter()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("x").debug("token %s", TOKEN)
    assert caplog.records[0].getMessage() == f"token {TOKEN}"
