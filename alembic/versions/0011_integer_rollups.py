"""Integer rollups: the continuous aggregates hold values in the kind's smallest unit.

``series_latest.value_units``, ``series_1h``'s ``min_units``, ``max_units`` and ``sum_units``,
``region_1h`` and ``grid_1h``'s ``total_units``: integers (sums as float8, exact up to 2^53),
which compress like ``measures``' values do, where 0010's float8 values cost 8 bytes each.
Readers divide by ``kind.scale``. The chain is rebuilt, so every stored day is queued and
``gridts migrate`` refreshes it before it returns. Compressed batches hold up to 4,000 rows
(``timescaledb.compression_batch_size_limit`` on the database): chunks compressed from now on.
And ``jit = off`` on the database (LLVM compilation took most of a small refresh's time), and
``plan_cache_mode = force_custom_plan`` (a prepared statement's generic plan made reads 8x
slower after a connection's tenth execution).

Revision ID: 0011
Revises: 0010
"""

from gridts.db.schema import apply_sql_file

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0011_integer_rollups.up.sql")
    apply_sql_file("0010_exact_values.policies.sql")


def downgrade() -> None:
    apply_sql_file("0011_integer_rollups.down.sql")
    apply_sql_file("0010_exact_values.latest.sql")
    apply_sql_file("0010_exact_values.rollups.sql")
    apply_sql_file("0010_exact_values.policies.sql")
