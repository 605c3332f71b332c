"""Statistics on series' kind and subtype together, so region_1h's refresh is planned right.

The planner estimated ten times the groups a region rollup has (a subtype that is always NULL
counted as 200 distinct values), and sorted every series' hour on disk instead of hashing
(``sql/schema/0014_series_statistics.up.sql``). Nothing stored changes.

Revision ID: 0014
Revises: 0013
"""

from gridts.db.schema import apply_sql_file

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0014_series_statistics.up.sql")


def downgrade() -> None:
    apply_sql_file("0014_series_statistics.down.sql")
