"""Series per node: kinds with units and aggregation, quality flags, grid time zones.

Existing revisions move to their node's default series without rewriting ``measures``: the
default series of each existing node gets the node's id, and ``node_id`` is renamed
``series_id``. The continuous aggregates are rebuilt per series (and per kind and subtype
above the node level) and every stored day is queued for refresh. Downgrading refuses, naming
what would be lost, when the database holds anything the older schema cannot.

Revision ID: 0007
Revises: 0006
"""

from gridts.db.schema import apply_sql_file

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0007_series.up.sql")


def downgrade() -> None:
    apply_sql_file("0007_series.down.sql")
    # 0003's aggregates over node_id, then 0005's view and grants on them.
    apply_sql_file("0003_rollups.up.sql")
    apply_sql_file("0007_series.down_grants.sql")
