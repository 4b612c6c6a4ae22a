from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import bot.feeds.normalize
import bot.service
from bot.core.models import Article
from bot.feeds.normalize import RawEntry
from tests.support.clock import FixedClock
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import FakeSlack

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared() -> Path:
    """../shared (corpus, eval, seed); tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 28, 9, 30, tzinfo=UTC))


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'newsbot.db'}"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # settings read NEWSBOT_* and ./.env: keep the developer's own out of the tests
    for name in list(os.environ):
        if name.startswith("NEWSBOT_") and name != "NEWSBOT_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, db_url: str) -> str:
    """A fresh database: SQLite always, PostgreSQL (`NEWSBOT_TEST_POSTGRES_URL`) when it is
    reachable. Under CI=true an unreachable PostgreSQL fails the run instead of skipping."""
    if request.param == "sqlite":
        return db_url
    url = os.environ.get("NEWSBOT_TEST_POSTGRES_URL") or DEFAULT_PG
    try:
        _reset_postgres(url)
    except Exception as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {type(exc).__name__}")
    return url


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API (and Socket Mode) on 127.0.0.1."""
    server = FakeSlack()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """The fake Discord REST API and gateway on 127.0.0.1."""
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def normalized(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The raw titles of the entries normalized, in order (a seam in `build_article`): which
    entries a parse or a poll paid the HTML work for."""
    titles: list[str] = []
    real = bot.feeds.normalize.build_article

    def counting(entry: RawEntry, **kwargs: Any) -> Article:
        titles.append(entry.title)
        return real(entry, **kwargs)

    monkeypatch.setattr(bot.feeds.normalize, "build_article", counting)
    return titles


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments (source, content_type, fast) of every feed the poller parses."""
    calls: list[dict[str, Any]] = []
    real = bot.service.parse_feed_entries

    def recording(data: bytes, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(data, **kwargs)

    monkeypatch.setattr(bot.service, "parse_feed_entries", recording)
    return calls
