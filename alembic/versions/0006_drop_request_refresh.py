"""Drop ``gridts_request_refresh()``: ``gridts refresher`` replaced it, and nothing calls it.

Revision ID: 0006
Revises: 0005
"""

from gridts.db.schema import apply_sql_file

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0006_drop_request_refresh.up.sql")


def downgrade() -> None:
    apply_sql_file("0005_request_refresh.up.sql")  # the function as 0005 created it
