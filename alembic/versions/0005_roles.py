"""Database roles: ``gridts_grafana`` (read-only dashboards) and ``gridts_api`` (the service).

gridts_grafana may read the hierarchy, the continuous aggregates and ``forecast_revisions`` (a
view over ``measures``) and nothing else: no write, no CREATE, no TEMP, no ``measures``, no
TimescaleDB internals. gridts_api may read and write what the service touches and use TEMP for
ingest staging; it runs no DDL.

Refresh of the continuous aggregates stays with the owner: TimescaleDB requires ownership of the
aggregate and refuses ``refresh_continuous_aggregate`` inside any function or procedure, so no
SECURITY DEFINER wrapper can hand it to gridts_api. ``gridts_request_refresh()`` (granted to
gridts_api) instead reschedules the refresh policies to run at once, as the owner, in the
background. Roles are cluster-wide: created only when missing, dropped on downgrade only when no
other database still grants them anything. Passwords come from ``GRIDTS_GRAFANA_PASSWORD`` and
``GRIDTS_API_PASSWORD``; without one a role is created NOLOGIN.

Revision ID: 0005
Revises: 0004
"""

from gridts.db.schema import apply_sql_file

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    apply_sql_file("0005_roles.up.sql")
    apply_sql_file("0005_request_refresh.up.sql")  # dropped by 0006


def downgrade() -> None:
    apply_sql_file("0005_roles.down.sql")
