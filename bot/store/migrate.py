"""Apply Alembic migrations programmatically (`newsbot db upgrade`, and `run` at start)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.errors import StoreError

# An arbitrary constant: every newsbot process takes this PostgreSQL advisory lock while
# migrating, so several workers starting at once apply each migration exactly once.
_ADVISORY_LOCK_ID = 0x6E657773


def sync_url(url: str) -> str:
    """The URL for synchronous use (Alembic): strip async driver names."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite")
    return parsed.render_as_string(hide_password=False)


def async_url(url: str) -> str:
    """The URL for the async engine: SQLite goes through aiosqlite; psycopg 3 does both."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "bot.store:migrations")
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except Exception as exc:  # wrap the driver's error once, here
        safe = make_url(sync_url(url)).render_as_string(hide_password=True)
        raise StoreError(f"cannot migrate database {safe}: {type(exc).__name__}: {exc}") from exc
    finally:
        engine.dispose()
