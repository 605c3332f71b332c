"""A BRIN index on ``measures.timestamp_measured`` instead of TimescaleDB's default B-tree.

Reads go by series; the time index serves only range scans across every series in the rowstore
(late-hour refreshes, real-time aggregation, bounds), which a per-16-pages summary narrows as
well, while every row written paid for the B-tree: bulk ingest 292-303k rows/s before, 318-392k
after (``bench/README.md``, "A BRIN index on targets").

Revision ID: 0013
Revises: 0012
"""

from gridts.db.schema import apply_sql_file

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0013_measures_time_brin.up.sql")


def downgrade() -> None:
    apply_sql_file("0013_measures_time_brin.down.sql")
