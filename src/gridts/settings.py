"""One settings object, read from ``GRIDTS_`` environment variables and checked at start.

Every field documents itself and maps to ``GRIDTS_<FIELD NAME IN CAPITALS>``. ``from_env`` is
the only place the environment is read: msgspec converts the strings to the fields' types and
checks their bounds, so a bad value stops ``gridts`` at start with one line naming the variable
(``SettingsError``), instead of failing the first request that uses it. Intervals are written
``7 days``, ``12 hours``, ``30 minutes``, a number of seconds, or ISO 8601 (``PT30S``); lists
are comma-separated; an empty value of an optional setting means unset.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

PREFIX = "GRIDTS_"


class SettingsError(ValueError):
    """A ``GRIDTS_`` variable holds a value gridts cannot use; the message names it."""


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True}
_BOOLEANS |= {"0": False, "false": False, "no": False, "off": False, "": False}
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_INTERVAL = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([a-z]*?)s?\s*", re.IGNORECASE)


def _interval(text: str) -> timedelta | str:
    """``7 days``, ``12 hours``, ``30 minutes`` or seconds, as a ``timedelta``.

    Anything else goes to msgspec as it is (ISO 8601 durations), which refuses what it cannot read.
    """
    match = _INTERVAL.fullmatch(text)
    if match is None:
        return text.strip().upper()
    amount, unit = float(match[1]), match[2].lower() or "second"
    if unit not in _UNITS:
        return text
    return timedelta(seconds=amount * _UNITS[unit])


@dataclass(frozen=True, slots=True)
class Settings:
    """Configuration of gridts; each field maps to ``GRIDTS_<FIELD NAME IN CAPITALS>``."""

    database_url: str | None = None
    """libpq URL of the TimescaleDB database. Unset: a local cluster under ``data_dir``."""

    data_dir: Path = Path(".gridts")
    """Where ``gridts`` keeps a local cluster when no ``database_url`` is set."""

    local_port: Annotated[int, Meta(ge=1, le=65535)] = 54329
    """Port of the local cluster (loopback only)."""

    chunk_interval: timedelta = timedelta(days=7)
    """Chunk width of the ``measures`` hypertable (applied by the migration that creates it)."""

    compress_after: timedelta = timedelta(days=7)
    """Age after which the compression policy compresses a chunk of ``measures``."""

    retention: timedelta | None = None
    """Age after which raw measures are dropped (``gridts migrate`` sets TimescaleDB's retention
    policy); the rollups keep their history. Unset: raw measures are kept forever."""

    pool_min_size: Annotated[int, Meta(ge=0)] = 2
    """Connections the pool keeps open."""

    pool_max_size: Annotated[int, Meta(ge=1)] = 10
    """Most connections the pool opens."""

    read_connections: Annotated[int, Meta(ge=1)] = 2
    """Pooled connections one big measures read may use at once, each reading part of its series
    on its own server core (``gridts.db.split``). More are taken only while the pool has them
    idle; 1 never splits a read. On 2 cores, two halves of the latest values of 1,000 nodes over
    30 days took 0.38-0.62 s in the database, against 0.84-1.21 s for the whole."""

    pool_timeout: timedelta = timedelta(seconds=5)
    """Longest a request waits for a database connection before it gets a 503 (database away)."""

    pool_reconnect_timeout: timedelta = timedelta(seconds=2)
    """How long the pool retries one lost connection (again after about 1 s, then 2 s) before
    it gives that attempt up; the next request that needs a connection starts a new one. Kept
    short because psycopg's backoff doubles for as long as an attempt lasts (5 minutes by
    default): with it, the service answered again 5.2 s after a 5 s outage of the database and
    9.5 s after a 20 s one."""

    database_wait: timedelta = timedelta(seconds=60)
    """Longest a ``gridts`` command waits at start for a database that does not answer yet."""

    statement_timeout: timedelta = timedelta(seconds=30)
    """Longest a single query of the service may run."""

    max_rows_per_request: Annotated[int, Meta(ge=1)] = 500_000
    """Most rows one ingest request may carry (413 past it)."""

    max_body_bytes: Annotated[int, Meta(ge=1)] = 128 * 1024 * 1024
    """Largest request body accepted (413 past it)."""

    max_range: timedelta = timedelta(days=3660)
    """Widest ``[start_datetime, end_datetime]`` a read accepts (422 past it)."""

    max_response_rows: Annotated[int, Meta(ge=1)] = 1_000_000
    """Most rows one read returns (422 past it, naming how to narrow the range)."""

    api_keys: tuple[str, ...] = ()
    """API keys that may write (``Authorization: Bearer <key>``); comma-separated."""

    api_keys_file: Path | None = None
    """A file of API keys, one per line (``#`` starts a comment); added to ``api_keys``."""

    allow_anonymous_writes: bool = False
    """With no keys configured, let anyone write. For a local demo only: logged at start."""

    read_requires_key: bool = False
    """Require an API key for reads too."""

    cors_origins: tuple[str, ...] = ()
    """Origins allowed by CORS, comma-separated; none turns CORS off."""

    rate_limit_per_minute: Annotated[int, Meta(ge=0)] = 1200
    """Requests per minute per client address; 0 turns the limit off."""

    raw_max_range: timedelta = timedelta(days=3)
    """``resolution=auto`` reads raw targets for ranges up to this width."""

    hourly_max_range: timedelta = timedelta(days=62)
    """``resolution=auto`` reads hourly rollups up to this width, daily ones past it."""

    accuracy_final: Literal["latest", "at_target"] = "latest"
    """``/accuracy``'s default final value: ``latest`` revision, or ``at_target`` (the first
    revision collected at or after the target)."""

    refresh_in_process: bool = True
    """Refresh queued rollup windows in the service (it must connect as the aggregates' owner).

    Set false when the service connects as ``gridts_api`` and a ``gridts refresher`` process
    runs as the owner.
    """

    refresh_poll: timedelta = timedelta(seconds=30)
    """How often the rollup refresher looks for queued windows another process wrote."""

    read_database_urls: tuple[str, ...] = field(default=(), repr=False)
    """libpq URLs of hot-standby replicas of ``database_url``, comma-separated. Reads under
    ``/api/v1`` go to one that is close enough behind (``max_replica_lag``); writes, the refresher
    and migrations stay on the primary. None: everything reads from the primary."""

    max_replica_lag: timedelta = timedelta(seconds=5)
    """A replica further behind the primary than this (or unreachable) receives no reads."""

    read_wait: timedelta = timedelta(seconds=1)
    """Longest a read with ``min_lsn`` waits for a replica to replay that far; then the primary
    answers it."""

    grafana_password: str | None = field(default=None, repr=False)
    """Password the migration gives the ``gridts_grafana`` role. Unset: the role cannot log in."""

    api_password: str | None = field(default=None, repr=False)
    """Password the migration gives the ``gridts_api`` role. Unset: the role cannot log in."""

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    """The least severe log lines written, by the service and by ``gridts refresher``. Each
    request logs one line at ``info``, but the successful answers of ``/health``, ``/ready``
    and ``/metrics``, which probes and scrapers ask for every few seconds: those at ``debug``."""

    def __post_init__(self) -> None:
        if self.pool_min_size > self.pool_max_size:
            raise ValueError("pool_min_size must not exceed pool_max_size")
        for name in ("api_keys", "cors_origins", "read_database_urls"):
            if isinstance(getattr(self, name), str):  # a str is a sequence of one-letter keys
                raise TypeError(f"{name} is a tuple of strings, not one string")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:  # noqa: ANN401
        """Build settings from the environment; keyword arguments win over it.

        Raises ``SettingsError`` naming the variable when a value cannot be used.
        """
        env = os.environ if environ is None else environ
        given = {
            name: env[PREFIX + name.upper()] for name in _FIELDS if PREFIX + name.upper() in env
        }
        values: dict[str, Any] = {name: _prepare(name, text) for name, text in given.items()}
        values.update(overrides)
        try:
            return msgspec.convert(values, cls, strict=False, dec_hook=_path)
        except msgspec.ValidationError as error:
            raise SettingsError(_explain(str(error), given)) from None


def _path(kind: type, value: Any) -> Any:  # noqa: ANN401
    if kind is Path:
        return Path(value)
    raise NotImplementedError


def _prepare(name: str, text: str) -> Any:  # noqa: ANN401
    """The string of one variable in the shape msgspec converts to the field's type."""
    kind = _FIELDS[name]
    if isinstance(kind, msgspec.inspect.UnionType) and not text.strip():
        return None  # an empty optional setting is unset
    if isinstance(kind, msgspec.inspect.UnionType):
        kind = next(t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType))
    if isinstance(kind, msgspec.inspect.TimeDeltaType):
        return _interval(text)
    if isinstance(kind, msgspec.inspect.BoolType):
        return _BOOLEANS.get(text.strip().lower(), text)
    if isinstance(kind, msgspec.inspect.VarTupleType):
        return [item.strip() for item in text.split(",") if item.strip()]
    if isinstance(kind, msgspec.inspect.LiteralType):
        return text.strip().lower()  # INFO as info
    return text


def _explain(message: str, given: dict[str, str]) -> str:
    """Say which variable msgspec's ``... - at `$.pool_min_size``` is about."""
    found = re.search(r"^(.*?)(?: - at `\$\.(\w+)`)?$", message)
    reason, name = (found[1], found[2]) if found else (message, None)
    if name is None:
        return f"invalid settings: {reason}"
    if isinstance(kind := _FIELDS.get(name), msgspec.inspect.LiteralType):
        reason += " (one of: " + ", ".join(map(str, kind.values)) + ")"
    shown = "<hidden>" if "password" in name or "key" in name else repr(given.get(name, ""))
    return f"{PREFIX}{name.upper()}={shown}: {reason}"


#: Each field's type, as msgspec sees it.
_FIELDS: dict[str, msgspec.inspect.Type] = {
    f.name: f.type
    for f in msgspec.inspect.type_info(Settings).fields  # type: ignore[attr-defined]
}
