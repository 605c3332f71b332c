"""Runtime queries, one named ``.sql`` file each under ``sql/queries/<group>/``, read once.

The files' comments explain each query to its readers; the server gets the SQL without them,
under a one-line name. A small read's statement was 4.4 KB with its parts' comments and 1.6 KB
without. Past 4 KB psycopg converts a statement's placeholders again on every execution instead
of once, and PostgreSQL parses the comments each time: the two cost ~0.06 ms of a 0.8 ms round
trip (``bench/README.md``, "A small read's worker overhead").
The name keeps each statement recognisable in ``pg_stat_activity`` and the server's log.
"""

from __future__ import annotations

from functools import cache

import sqlparse
from psycopg import sql

from gridts.resources import data_dir


@cache
def query(group: str, name: str) -> sql.SQL:
    """Return the query ``sql/queries/<group>/<name>.sql`` as composable SQL.

    Placeholders written ``{name}`` are filled with ``psycopg.sql`` objects (identifiers,
    fragments) by ``.format()``; values always travel as ``%(name)s`` parameters.
    """
    text = (data_dir("sql") / "queries" / group / f"{name}.sql").read_text(encoding="utf-8")
    bare = sqlparse.format(text, strip_comments=True).strip().rstrip(";")
    return sql.SQL(f"-- {group}/{name}\n{bare}")
