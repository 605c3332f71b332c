"""Validated bulk ingest of measures: ``POST /api/v1/measures`` and ``gridts seed`` share it.

Where a write goes: ``routes`` reads the body as bytes; ``parse`` checks it (every problem named
by row index and field, as ``gridts.errors.InvalidRowsError``); ``resolve`` maps its rows to
series and checks them against the database (bounds, retention); ``store`` stores it set-wise in
one transaction (COPY straight into ``measures``, or into a staging table and one ``INSERT ...
SELECT`` when a key is already stored or a value is not exact), so a batch is stored whole or
not at all, and tells ``gridts.refresh`` about rows below the rollups' watermark in the
same transaction. ``bulk`` writes a generated data set through the same ``store``.

A revision is keyed by ``(series_id, timestamp_measured, timestamp_collected)`` and never
changes: a row whose key is stored (or comes earlier in the batch) with the same value and
quality is a duplicate, counted and skipped (two null values are equal: ``IS NOT DISTINCT
FROM``); with another value or another quality it is a conflict, and the batch is refused (409).
A corrected revision is a new row with a later ``timestamp_collected``.
"""
