"""Where the repository's files are, for tests that read them (compose, dashboards, SQL, bench)."""

from pathlib import Path

#: The repository's top directory.
ROOT = Path(__file__).resolve().parents[2]
