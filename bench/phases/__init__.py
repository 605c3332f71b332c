"""The phases of ``run.py``, one module each, in the order it runs them.

``ingest`` (bulk path, then HTTP), ``storage`` (refreshes, storage, compression), ``reads`` (warm
reads and the mixed load over HTTP) and ``baseline`` (the plain-PostgreSQL baseline on the
same data). Each adds its figures to a ``results.Results``; the year-scale scripts reuse their
helpers (loading rows, refreshing and compressing, timing requests, plans).
"""
