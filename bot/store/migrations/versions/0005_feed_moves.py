"""feeds.redirect_url/redirect_polls and feed_moves: follow permanent redirects

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("redirect_url", sa.String(length=2048), nullable=True))
        batch.add_column(sa.Column("redirect_polls", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "feed_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_url", sa.String(length=2048), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["feed_id"], ["feeds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("old_url"),
    )


def downgrade() -> None:
    op.drop_table("feed_moves")
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("redirect_polls")
        batch.drop_column("redirect_url")
