"""Alembic environment: the database comes from gridts' settings, the schema from sql/*.sql.

There is no SQLAlchemy model metadata: the schema is TimescaleDB objects (hypertables, continuous
aggregates, policies) that autogenerate cannot see, so revisions apply hand-written SQL files.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from gridts.db.schema import MissingTimescaleDBError, check_timescaledb, sqlalchemy_url
from gridts.settings import Settings

config = context.config
settings: Settings = config.attributes.get("settings") or Settings.from_env()
url: str | None = config.attributes.get("url") or settings.database_url
if url is None:
    raise SystemExit("GRIDTS_DATABASE_URL is not set: point it at a TimescaleDB database")
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

config.attributes["settings"] = settings

engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
with engine.connect() as connection:
    try:
        check_timescaledb(connection)
    except MissingTimescaleDBError as error:
        raise SystemExit(str(error)) from None
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
