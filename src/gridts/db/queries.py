"""Runtime queries, one named ``.sql`` file each under ``sql/queries/<group>/``, read once."""

from __future__ import annotations

from functools import cache

from psycopg import sql

from gridts.resources import data_dir


@cache
def query(group: str, name: str) -> sql.SQL:
    """Return the query ``sql/queries/<group>/<name>.sql`` as composable SQL.

    Placeholders written ``{name}`` are filled with ``psycopg.sql`` objects (identifiers,
    fragments) by ``.format()``; values always travel as ``%(name)s`` parameters.
    """
    text = (data_dir("sql") / "queries" / group / f"{name}.sql").read_text(encoding="utf-8")
    return sql.SQL(text.strip().rstrip(";"))
