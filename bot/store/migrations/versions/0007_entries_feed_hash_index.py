"""entries (feed_id, content_hash) index: a changed poll's repeated-story check

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

Every changed poll asks which of its new entries' content hashes the feed already has. With
only the (feed_id, uid) index that read every entry the feed keeps (up to the retention's
1,000 newest, scattered over the table): 4.4 ms and ~1,000 buffers on PostgreSQL for a feed
with 1,000 entries, 0.06 ms with this index (bench/scale.md).
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_entries_feed_hash", "entries", ["feed_id", "content_hash"])


def downgrade() -> None:
    op.drop_index("ix_entries_feed_hash", table_name="entries")
