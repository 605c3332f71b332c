"""Validated bulk ingest of measures: ``POST /api/v1/measures`` and ``gridts seed`` share it.

Where a write goes: ``routes`` reads the body as bytes; ``parse`` checks it (every problem named
by row index and field, as ``gridts.errors.InvalidRowsError``); ``store`` stores it set-wise in
one transaction (COPY into a staging table, one ``INSERT ... SELECT``), so a batch is stored
whole or not at all, and tells ``gridts.refresh`` about rows below the rollups' watermark in the
same transaction. ``bulk`` writes a generated data set through the same ``store``.
"""
