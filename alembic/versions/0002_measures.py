"""The measures hypertable, its compression, and the guards on the hierarchy.

Integrity of ``node_id``: no per-row foreign key. Measured with ``bench/integrity_cost.py``
(2,159,946 rows, COPY into a staging table then ``INSERT ... SELECT`` into a fresh hypertable,
7-day chunks, PostgreSQL 15.18 + TimescaleDB 2.28.3, 2-core machine, best of two runs each):

- per-row FOREIGN KEY to ``grid_node``:                          113,777 rows/s
- set-wise anti-join of the batch against ``grid_node``, no key: 301,953 rows/s (2.65x)

So ingest checks node ids set-wise (one anti-join per batch, which also names the bad rows for
the 422), and triggers on ``grid_node`` / ``grid_region`` refuse to delete or move a node that
holds measures. Only gridts' ingest path (and the owner) can write ``measures``.

Revision ID: 0002
Revises: 0001
"""

from gridts.db.schema import apply_sql_file

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0002_measures.up.sql")


def downgrade() -> None:
    apply_sql_file("0002_measures.down.sql")
