"""Validated bulk ingest of measures: ``POST /api/v1/measures`` and ``gridts seed`` share it.

A batch is parsed and checked in Python (``parse``: every problem named by row index and field),
then stored set-wise in one transaction (``store``: COPY into a staging table, one
``INSERT ... SELECT``), so a batch is stored whole or not at all. Writes below the rollups'
materialisation watermark are queued for a refresh (``refresher``), in the same transaction.
"""
