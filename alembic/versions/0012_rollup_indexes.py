"""Drop ``region_1h``'s and ``grid_1h``'s indexes on ``kind`` and on ``subtype``.

TimescaleDB makes an index per ``GROUP BY`` column of a continuous aggregate. No read filters
these two rollups by kind or subtype alone (they go by region or grid and a range of buckets),
and every row written to their rowstore paid for the two text indexes: half the time of
decompressing a chunk when a late revision is refreshed into it.

Revision ID: 0012
Revises: 0011
"""

from gridts.db.schema import apply_sql_file

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0012_rollup_indexes.up.sql")


def downgrade() -> None:
    apply_sql_file("0012_rollup_indexes.down.sql")
