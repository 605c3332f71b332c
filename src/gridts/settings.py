"""One settings object, read from ``GRIDTS_`` environment variables.

Every field documents itself; ``Settings.from_env()`` is the only place the environment is read,
so the rest of the code takes a ``Settings`` and stays testable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from datetime import timedelta
from pathlib import Path
from typing import Any

PREFIX = "GRIDTS_"


def _parse_interval(text: str) -> timedelta:
    """Read ``7 days``, ``12 hours``, ``30 minutes`` or a number of seconds."""
    parts = text.strip().split()
    if len(parts) == 1:
        return timedelta(seconds=float(parts[0]))
    amount, unit = float(parts[0]), parts[1].lower().rstrip("s")
    units = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
    if unit not in units:
        raise ValueError(f"unknown interval unit {parts[1]!r}")
    return timedelta(seconds=amount * units[unit])


def _parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {text!r}")


@dataclass(frozen=True, slots=True)
class Settings:
    """Configuration of gridts; each field maps to ``GRIDTS_<FIELD NAME IN CAPITALS>``."""

    database_url: str | None = None
    """libpq URL of the TimescaleDB database. Unset: a local cluster under ``data_dir``."""

    data_dir: Path = Path(".gridts")
    """Where ``gridts`` keeps a local cluster when no ``database_url`` is set."""

    local_port: int = 54329
    """Port of the local cluster (loopback only)."""

    chunk_interval: timedelta = timedelta(days=7)
    """Chunk width of the ``measures`` hypertable (applied by the migration that creates it)."""

    compress_after: timedelta = timedelta(days=7)
    """Age after which the compression policy compresses a chunk of ``measures``."""

    pool_min_size: int = 2
    """Connections the pool keeps open."""

    pool_max_size: int = 10
    """Most connections the pool opens."""

    pool_timeout: timedelta = timedelta(seconds=5)
    """Longest a request waits for a database connection before it gets a 503 (database away)."""

    statement_timeout: timedelta = timedelta(seconds=30)
    """Longest a single query of the service may run."""

    max_rows_per_request: int = 500_000
    """Most rows one ingest request may carry (413 past it)."""

    max_body_bytes: int = 128 * 1024 * 1024
    """Largest request body accepted (413 past it)."""

    max_range: timedelta = timedelta(days=3660)
    """Widest ``[start_datetime, end_datetime]`` a read accepts (422 past it)."""

    max_response_rows: int = 1_000_000
    """Most rows one read returns (422 past it, naming how to narrow the range)."""

    api_keys: str = ""
    """Comma-separated API keys that may write (``Authorization: Bearer <key>``)."""

    api_keys_file: Path | None = None
    """A file of API keys, one per line (``#`` starts a comment); added to ``api_keys``."""

    allow_anonymous_writes: bool = False
    """With no keys configured, let anyone write. For a local demo only: logged at start."""

    read_requires_key: bool = False
    """Require an API key for reads too."""

    cors_origins: str = ""
    """Comma-separated origins allowed by CORS; empty turns CORS off."""

    rate_limit_per_minute: int = 1200
    """Requests per minute per client address; 0 turns the limit off."""

    raw_max_range: timedelta = timedelta(days=3)
    """``resolution=auto`` reads raw targets for ranges up to this width."""

    hourly_max_range: timedelta = timedelta(days=62)
    """``resolution=auto`` reads hourly rollups up to this width, daily ones past it."""

    accuracy_final: str = "latest"
    """``/accuracy``'s default final value: ``latest`` revision, or ``at_target`` (the first
    revision collected at or after the target)."""

    refresh_in_process: bool = True
    """Refresh queued rollup windows in the service (it must connect as the aggregates' owner).

    Set false when the service connects as ``gridts_api`` and a ``gridts refresher`` process
    runs as the owner.
    """

    refresh_poll: timedelta = timedelta(seconds=30)
    """How often the rollup refresher looks for queued windows another process wrote."""

    grafana_password: str | None = field(default=None, repr=False)
    """Password the migration gives the ``gridts_grafana`` role. Unset: the role cannot log in."""

    api_password: str | None = field(default=None, repr=False)
    """Password the migration gives the ``gridts_api`` role. Unset: the role cannot log in."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:  # noqa: ANN401
        """Build settings from the environment; keyword arguments win over it."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(f.type, raw)
        values.update(overrides)
        return cls(**values)


def _convert(annotation: Any, raw: str) -> Any:  # noqa: ANN401
    text = str(annotation)
    if not raw and "None" in text:
        return None
    if "timedelta" in text:
        return _parse_interval(raw)
    if text.startswith("bool"):
        return _parse_bool(raw)
    if text.startswith("int"):
        return int(raw)
    if "Path" in text:
        return Path(raw)
    return raw
