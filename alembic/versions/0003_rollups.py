"""Hierarchical continuous aggregates with real-time aggregation and refresh policies.

Revision ID: 0003
Revises: 0002
"""

from gridts.db.schema import apply_sql_file

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0003_rollups.up.sql")


def downgrade() -> None:
    apply_sql_file("0003_rollups.down.sql")
