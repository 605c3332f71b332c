"""Running Alembic from code: ``gridts migrate``, the test fixtures and the benchmark use this."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config

from gridts.resources import data_dir

if TYPE_CHECKING:
    from gridts.settings import Settings


def alembic_config(url: str, settings: Settings, *, quiet: bool = False) -> Config:
    """An Alembic configuration for ``url`` that needs no ``alembic.ini`` on disk."""
    config = Config()
    config.set_main_option("script_location", str(data_dir("alembic")))
    config.attributes.update(url=url, settings=settings, quiet=quiet)
    return config


def upgrade(url: str, settings: Settings, revision: str = "head", *, quiet: bool = True) -> None:
    """Bring the database at ``url`` up to ``revision``."""
    command.upgrade(alembic_config(url, settings, quiet=quiet), revision)


def downgrade(url: str, settings: Settings, revision: str = "base", *, quiet: bool = True) -> None:
    """Take the database at ``url`` down to ``revision``."""
    command.downgrade(alembic_config(url, settings, quiet=quiet), revision)
