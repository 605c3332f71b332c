"""The measures hypertable, its compression, and the guards on the hierarchy.

Revision ID: 0002
Revises: 0001
"""

from gridts.db.schema import apply_sql_file

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0002_measures.up.sql")


def downgrade() -> None:
    apply_sql_file("0002_measures.down.sql")
