"""The gridts roles' passwords, applied on every ``gridts migrate``.

Migration 0005 creates ``gridts_grafana`` and ``gridts_api`` and sets their passwords, but a
migration runs once: a password changed later (``GRIDTS_GRAFANA_PASSWORD``,
``GRIDTS_API_PASSWORD``) would never reach the server, and the API or Grafana would be locked
out. So ``gridts migrate`` sets them again after every upgrade; setting the same password twice
changes nothing a client sees. An unset variable leaves its role as it is.

The password is hashed here (SCRAM-SHA-256 with a fresh salt, libpq's PQencryptPasswordConn, as
psql does for its password command): only the verifier travels, so no server log or
``pg_stat_activity`` ever shows the password. Any character may be in it.

``gridts_api`` also gets SELECT on ``alembic_version``, so that ``gridts serve`` running as that
role can check the schema revision at start (Alembic creates that table, no migration file does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from gridts.settings import Settings

#: Each role and the setting holding its password.
PASSWORDS = {"gridts_grafana": "grafana_password", "gridts_api": "api_password"}


def apply_roles(url: str, settings: Settings) -> list[str]:
    """Give each existing gridts role its configured password (and LOGIN); return their names."""
    applied = []
    with psycopg.connect(url, autocommit=True) as conn:
        existing = {
            name
            for (name,) in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(PASSWORDS),)
            )
        }
        for role, setting in PASSWORDS.items():
            secret: str | None = getattr(settings, setting)
            if not secret or role not in existing:
                continue
            verifier = conn.pgconn.encrypt_password(
                secret.encode(), role.encode(), b"scram-sha-256"
            )
            conn.execute(
                sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(verifier.decode())
                )
            )
            applied.append(role)
        revision_table = conn.execute("SELECT to_regclass('alembic_version')").fetchone()
        if "gridts_api" in existing and revision_table and revision_table[0]:
            conn.execute("GRANT SELECT ON alembic_version TO gridts_api")
    return applied
