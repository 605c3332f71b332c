"""The columnstore layout of measures: batches ordered by lead (target minus collection time).

Adds the stored generated column ``lead`` and orders compressed batches by it, then by target:
each batch is one lead's run of targets, which the codecs store in a few bytes per row. Every
compressed chunk is decompressed and compressed again (the column rewrites the table). Chunk
intervals that follow the data's density are fitted afterwards by ``gridts migrate``
(``gridts.db.chunks``).

Revision ID: 0009
Revises: 0008
"""

from gridts.db.schema import apply_sql_file

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0009_measures_layout.up.sql")


def downgrade() -> None:
    apply_sql_file("0009_measures_layout.down.sql")
