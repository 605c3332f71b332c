"""The pure parts of read replicas: WAL positions, the lag bound, which requests may use one,
and the multi-host URL a failover needs, as SQLAlchemy (Alembic) reads it."""

from __future__ import annotations

import time

from psycopg_pool import AsyncConnectionPool
from sqlalchemy.engine import make_url

from gridts.db.deps import is_read
from gridts.db.replicas import Replicas, format_lsn, parse_lsn
from gridts.db.schema import sqlalchemy_url
from gridts.settings import Settings


def test_positions_compare_as_integers_and_print_as_postgresql_does() -> None:
    assert parse_lsn("0/0") == 0
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert parse_lsn("1/0") > parse_lsn("0/FFFFFFFF")
    assert format_lsn(parse_lsn("16/B374D848")) == "16/B374D848"


def test_only_gets_under_the_api_may_read_from_a_replica() -> None:
    assert is_read("GET", "/api/v1/measures")
    assert not is_read("POST", "/api/v1/measures")
    assert not is_read("DELETE", "/api/v1/grids/1")
    assert not is_read("GET", "/ready")


def _replicas() -> Replicas:
    settings = Settings(read_database_urls=("postgresql://r/db",))
    primary = AsyncConnectionPool("postgresql://p/db", open=False)
    return Replicas(settings.read_database_urls, settings, primary, "postgresql://p/db")


def test_lag_is_zero_at_the_primarys_position_however_old_its_last_commit() -> None:
    replicas = _replicas()
    replicas._samples.append((time.monotonic(), 1000))
    assert replicas._lag(1000, replay_age=3600.0) == 0.0


def test_lag_behind_is_bounded_by_the_newest_sample_reached_and_the_replay_age() -> None:
    replicas = _replicas()
    now = time.monotonic()
    replicas._samples.extend([(now - 10, 100), (now - 4, 200), (now, 300)])
    assert 3.9 < replicas._lag(250, replay_age=None) < 4.5
    assert replicas._lag(250, replay_age=1.5) == 1.5
    assert replicas._lag(50, replay_age=None) is None


def test_a_multi_host_url_keeps_its_hosts_and_session_attrs_for_sqlalchemy() -> None:
    url = "postgresql://u:pw@db1:5432,db2:5433/gridts?target_session_attrs=read-write"
    parsed = make_url(sqlalchemy_url(url))
    assert parsed.database == "gridts"
    assert parsed.username == "u"
    assert parsed.query["host"] == ("db1:5432", "db2:5433")
    assert parsed.query["target_session_attrs"] == "read-write"
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
