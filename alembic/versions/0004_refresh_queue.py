"""A durable queue of rollup windows to refresh after writes below the watermark.

Revision ID: 0004
Revises: 0003
"""

from gridts.db.schema import apply_sql_file

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0004_refresh_queue.up.sql")


def downgrade() -> None:
    apply_sql_file("0004_refresh_queue.down.sql")
