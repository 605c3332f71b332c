"""Compressed rollups: the continuous aggregates' materialisations in the columnstore.

Nothing is rewritten: compression is switched on for the four aggregates and a policy compresses
what their refresh policies no longer revisit. Downgrading decompresses them.

Revision ID: 0008
Revises: 0007
"""

from gridts.db.schema import apply_sql_file

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0008_compressed_rollups.up.sql")


def downgrade() -> None:
    apply_sql_file("0008_compressed_rollups.down.sql")
