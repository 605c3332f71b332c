"""Where the SQL files and the Alembic scripts are, in a checkout and in an installed wheel.

The product keeps ``sql/`` and ``alembic/`` at the top of the repository; a wheel carries copies
under ``gridts/_data`` (see ``pyproject.toml``). Both layouts resolve here, and nowhere else.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the directory ``name`` (``sql`` or ``alembic``) of this installation."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"gridts is installed without its {name}/ directory")
