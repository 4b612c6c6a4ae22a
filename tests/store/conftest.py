"""Store tests run on SQLite always and on PostgreSQL when it is reachable.

Under CI=true an unreachable PostgreSQL fails the run instead of skipping it.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


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
