"""Let ``gridts_api`` read ``series_latest``'s materialisation hypertable itself.

A big latest read takes the targets that ``series_latest`` holds exactly from its materialised
rows (``sql/queries/measures/fresh.sql``). Read from the hypertable instead of through the view,
the latest values of 1,000 series over 30 days cost PostgreSQL a third less (bench/README.md,
"Latest values from the materialisation itself"). The hypertable is TimescaleDB's, named by its
catalog: the grant goes to whatever table that is now. A later migration that rebuilds
``series_latest`` must grant its new hypertable again; until one does, reads go through the view,
as ``fresh.sql`` checks the privilege on every read. Nothing else changes: gridts_grafana gets no
grant, and gridts_api may only read.

Revision ID: 0013
Revises: 0012
"""

from gridts.db.schema import apply_sql_file

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0013_series_latest_grant.up.sql")


def downgrade() -> None:
    apply_sql_file("0013_series_latest_grant.down.sql")
