"""The Alembic migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.store.migrate import alembic_config, sync_url, upgrade
from bot.store.schema import Base


def test_migrations_match_the_models(store_url: str) -> None:
    upgrade(store_url)
    engine = sa.create_engine(sync_url(store_url))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_upgrade_twice_is_a_no_op(store_url: str) -> None:
    upgrade(store_url)
    upgrade(store_url)
    engine = sa.create_engine(sync_url(store_url))
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
