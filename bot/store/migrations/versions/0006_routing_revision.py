"""routing_revision: a counter the database bumps on every change routing depends on

Pollers compile the routing (channels, subscriptions, watchlists) once and reuse it while
this counter stands still: reading one row per tick instead of every channel and watchlist
entry (bench/scale.md). Triggers bump it, so every writer counts: commands, the config sync
at start, the CLI, a hand-made SQL change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# what routing reads of a channel: `last_digest_at` moves with every digest and is not here
_CHANNEL_COLUMNS = ("platform", "external_id", "lang", "timezone", "mode", "schedule", "quiet",
                    "paused_reason")
_TABLES = ("channels", "subscriptions", "watchlists", "watchlist_entries")
_BUMP = "UPDATE routing_revision SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "routing_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO routing_revision (id, value) VALUES (1, 0)")
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION newsbot_bump_routing() RETURNS trigger LANGUAGE plpgsql "
                   f"AS $$ BEGIN {_BUMP}; RETURN NULL; END $$")
        for table in _TABLES:
            # once per statement: a watchlist replaced entry by entry bumps once
            update = ("UPDATE OF " + ", ".join(_CHANNEL_COLUMNS)) if table == "channels" \
                else "UPDATE"
            op.execute(f"CREATE TRIGGER {table}_routing AFTER INSERT OR {update} OR DELETE "
                       f"OR TRUNCATE ON {table} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION newsbot_bump_routing()")
        return
    for table in _TABLES:  # SQLite: row triggers only, one per event
        events = {"insert": "INSERT", "delete": "DELETE",
                  "update": ("UPDATE OF " + ", ".join(_CHANNEL_COLUMNS))
                  if table == "channels" else "UPDATE"}
        for name, event in events.items():
            op.execute(f"CREATE TRIGGER {table}_routing_{name} AFTER {event} ON {table} "
                       f"BEGIN {_BUMP}; END")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER {table}_routing ON {table}")
        op.execute("DROP FUNCTION newsbot_bump_routing()")
    else:
        for table in _TABLES:
            for name in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_routing_{name}")
    op.drop_table("routing_revision")
