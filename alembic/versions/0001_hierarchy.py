"""Grid, region and node tables.

Revision ID: 0001
Revises: None
"""

from gridts.db.schema import apply_sql_file

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0001_hierarchy.up.sql")


def downgrade() -> None:
    apply_sql_file("0001_hierarchy.down.sql")
