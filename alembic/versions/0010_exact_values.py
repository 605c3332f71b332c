"""Exact values: measures.value is a bigint of the kind's smallest unit (value * 10^decimals).

Every kind declares its decimals (3 by default); a kind in use gets the fewest, up to 6, that
hold its stored values exactly, or the upgrade stops and changes nothing. Every compressed chunk
is decompressed and compressed again (the column's type changes). Downgrading divides back:
each value is the float8 it was.

Revision ID: 0010
Revises: 0009
"""

from gridts.db.schema import apply_sql_file

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0010_exact_values.up.sql")
    apply_sql_file("0010_exact_values.latest.sql")
    apply_sql_file("0010_exact_values.rollups.sql")
    apply_sql_file("0010_exact_values.policies.sql")


def downgrade() -> None:
    apply_sql_file("0010_exact_values.down.sql")
    apply_sql_file("0010_exact_values.rollups.sql")
    apply_sql_file("0010_exact_values.policies.sql")
