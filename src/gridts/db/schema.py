"""Applying the schema: the SQL files under ``sql/schema/`` and the checks around them.

Revisions in ``alembic/versions`` each apply one ``NNNN_name.up.sql`` and undo it with the
matching ``.down.sql``. Settings that shape the schema (chunk width, compression age) reach the
files as ``{name}`` placeholders filled with SQL literals.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from alembic import context, op
from psycopg import sql
from sqlalchemy import text

from gridts.resources import data_dir

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from gridts.settings import Settings


class MissingTimescaleDBError(RuntimeError):
    """The database cannot host gridts: the message names what is missing and what to do."""


def sqlalchemy_url(url: str) -> str:
    """Turn a libpq URL into SQLAlchemy's, using the psycopg 3 driver.

    A multi-host URL (``postgresql://u@h1:5432,h2:5432/db?target_session_attrs=read-write``,
    which finds the primary after a failover) becomes SQLAlchemy's form of it: one ``host``
    query parameter per host, which SQLAlchemy cannot read in the authority.
    """
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            rest = url[len(scheme) :]
            authority, _, tail = rest.partition("/")
            user, at, hosts = authority.rpartition("@")
            if "," in hosts:
                path, _, query = tail.partition("?")
                params = "&".join(f"host={host}" for host in hosts.split(","))
                query = f"{params}&{query}" if query else params
                return f"postgresql+psycopg://{user}{at}/{path}?{query}"
            return "postgresql+psycopg://" + rest
    return url


def check_timescaledb(connection: Connection) -> None:
    """Refuse, with a plain message, a server that cannot load TimescaleDB."""
    available = connection.execute(
        text("SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'")
    ).scalar()
    if available is None:
        raise MissingTimescaleDBError(
            "gridts needs the timescaledb extension, and this PostgreSQL server does not have "
            "it installed: use the timescale/timescaledb image, or build the extension for this "
            "server (see README, 'TimescaleDB without Docker')"
        )
    preload = connection.execute(text("SHOW shared_preload_libraries")).scalar() or ""
    if "timescaledb" not in preload:
        raise MissingTimescaleDBError(
            "the timescaledb extension is installed but not loaded: add "
            "shared_preload_libraries = 'timescaledb' to postgresql.conf and restart the server"
        )


def _literal(value: object) -> sql.Composable:
    if isinstance(value, timedelta):
        return sql.Literal(f"{value.total_seconds()} seconds")
    return sql.Literal(value)


def render_sql_file(name: str, settings: Settings) -> str:
    """Return ``sql/schema/<name>`` with its placeholders filled from ``settings``."""
    body = (data_dir("sql") / "schema" / name).read_text(encoding="utf-8")
    params = {
        "chunk_interval": _literal(settings.chunk_interval),
        "compress_after": _literal(settings.compress_after),
        # Passwords reach the server only inside the migration's statements, never a file.
        "grafana_password": _literal(settings.grafana_password),
        "api_password": _literal(settings.api_password),
    }
    return sql.SQL(body).format(**params).as_string(None)


def apply_sql_file(name: str) -> None:
    """Execute ``sql/schema/<name>`` inside the running migration."""
    settings: Settings = context.config.attributes["settings"]
    # Straight to psycopg with no parameters, so '%' in the files means itself and several
    # statements can go in one call.
    dbapi = op.get_bind().connection.dbapi_connection
    assert dbapi is not None  # noqa: S101 - a migration always runs on a live connection
    cursor = dbapi.cursor()
    try:
        cursor.execute(render_sql_file(name, settings))
    finally:
        cursor.close()
