"""The second line of defence against secrets in logs: every log record is searched for the
configured secret values (bot and app tokens, the signing secret, the LLM API key, the
database password) and has them masked before any handler sees it.

The first line is at the source: settings hold secrets as `SecretStr`, the adapters mask what
the platform libraries log (tokens, `response_url`s, interaction tokens), error messages name
hosts rather than URLs. This catches what slips through: a library that logs its
configuration at DEBUG, an exception whose text quotes a request.

The composition root installs it (`bot.cli` where logging is configured, and `build_app`) as
a log record factory rather than on a handler: that covers every logger and every handler,
including handlers added later (a library's own, pytest's). Logging is process-wide, so the
filter is too; each install adds its secrets to it.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Settings

# unlike the adapters' "***": a test can tell that this line, not the source, had to act
MASK = "[redacted]"
# shorter values would mask ordinary words in every line; no real token or key is this short
MIN_SECRET_CHARS = 4


def secret_values(settings: Settings) -> set[str]:
    """Every secret the settings hold: each `SecretStr` field and the database password (as
    given and as it appears percent-encoded in the URL)."""
    values: set[str] = set()
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            values.add(value.get_secret_value())
    try:
        password = make_url(settings.database_url).password
    except (ArgumentError, ValueError):
        password = None
    if password:
        values |= {str(password), quote(str(password), safe="")}
    return {v.strip() for v in values if len(v.strip()) >= MIN_SECRET_CHARS}


class SecretFilter(logging.Filter):
    """Masks the given secret values in a record's message, arguments and traceback text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        self._secrets |= {s for s in secrets if len(s) >= MIN_SECRET_CHARS}
        # longest first: a secret that contains another is masked whole
        ordered = sorted(self._secrets, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def clear(self) -> None:
        self._secrets, self._pattern = set(), None

    def redact(self, text: str) -> str:
        return text if self._pattern is None else self._pattern.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        if self._pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging to report
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # formatted once here; handlers' formatters reuse `exc_text`
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_FILTER = SecretFilter()
_previous_factory: Any = None


def redact_secrets(text: str) -> str:
    """`text` with the installed secrets masked (error lines printed outside logging)."""
    return _FILTER.redact(text)


def install_secret_filter(secrets: Iterable[str]) -> SecretFilter:
    """Mask these secrets in every log record from now on (idempotent; secrets add up)."""
    global _previous_factory
    _FILTER.add(secrets)
    if _previous_factory is None:
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record: logging.LogRecord = previous(*args, **kwargs)
            _FILTER.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _previous_factory = previous
    return _FILTER


def uninstall_secret_filter() -> None:
    """Back to logging's previous record factory, secrets forgotten (for tests)."""
    global _previous_factory
    if _previous_factory is not None:
        logging.setLogRecordFactory(_previous_factory)
        _previous_factory = None
    _FILTER.clear()
