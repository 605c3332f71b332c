"""Settings are read once, at start: every ``GRIDTS_`` value converted and checked there.

A bad value must stop ``gridts`` with one line naming the variable, not turn the first request
that uses it into a 500.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from gridts.cli import main
from gridts.settings import Settings, SettingsError


def test_values_are_converted_to_their_types() -> None:
    settings = Settings.from_env(
        {
            "GRIDTS_POOL_TIMEOUT": "7 seconds",
            "GRIDTS_POOL_RECONNECT_TIMEOUT": "3",
            "GRIDTS_CHUNK_INTERVAL": "2 weeks",
            "GRIDTS_STATEMENT_TIMEOUT": "PT90S",
            "GRIDTS_REFRESH_POLL": "12",
            "GRIDTS_MAX_RESPONSE_ROWS": "1000",
            "GRIDTS_ALLOW_ANONYMOUS_WRITES": "yes",
            "GRIDTS_READ_REQUIRES_KEY": "off",
            "GRIDTS_API_KEYS": " a, b,,c ",
            "GRIDTS_CORS_ORIGINS": "https://grid.example",
            "GRIDTS_API_KEYS_FILE": "/etc/gridts/keys",
            "GRIDTS_ACCURACY_FINAL": "at_target",
            "GRIDTS_LOG_LEVEL": "WARNING",
            "GRIDTS_DATABASE_URL": "",
        }
    )
    assert settings.pool_timeout == timedelta(seconds=7)
    assert settings.pool_reconnect_timeout == timedelta(seconds=3)
    assert settings.chunk_interval == timedelta(weeks=2)
    assert settings.statement_timeout == timedelta(seconds=90)
    assert settings.refresh_poll == timedelta(seconds=12)
    assert settings.max_response_rows == 1000
    assert settings.allow_anonymous_writes is True
    assert settings.read_requires_key is False
    assert settings.api_keys == ("a", "b", "c")
    assert settings.cors_origins == ("https://grid.example",)
    assert settings.api_keys_file == Path("/etc/gridts/keys")
    assert settings.accuracy_final == "at_target"
    assert settings.log_level == "warning"  # as the logging module names it, in any case
    assert settings.database_url is None  # empty: unset


def test_nothing_set_gives_the_documented_defaults() -> None:
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("GRIDTS_ACCURACY_FINAL", "bogus", "one of: at_target, latest"),
        ("GRIDTS_LOG_LEVEL", "loud", "one of: debug, error, info, warning"),
        ("GRIDTS_POOL_MIN_SIZE", "many", "Expected `int`"),
        ("GRIDTS_POOL_MAX_SIZE", "0", ">= 1"),
        ("GRIDTS_POOL_TIMEOUT", "5 fortnights", "duration"),
        ("GRIDTS_ALLOW_ANONYMOUS_WRITES", "maybe", "Expected `bool`"),
        ("GRIDTS_LOCAL_PORT", "70000", "<= 65535"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str, said: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: value})
    assert str(refused.value).startswith(f"{variable}='{value}': ")
    assert said in str(refused.value)


def test_secrets_are_not_repeated_in_the_message() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"GRIDTS_API_PASSWORD": "", "GRIDTS_POOL_MIN_SIZE": "20"})
    assert "pool_min_size must not exceed pool_max_size" in str(refused.value)


def test_a_single_string_is_not_taken_for_a_list_of_keys() -> None:
    with pytest.raises(TypeError):
        Settings(api_keys="secret")  # type: ignore[arg-type]


@pytest.mark.parametrize("command", ["serve", "migrate", "refresher", "seed"])
def test_a_bad_value_stops_every_command_with_one_line(command: str) -> None:
    result = CliRunner().invoke(main, [command], env={"GRIDTS_ACCURACY_FINAL": "bogus"})
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    expected = (
        "GRIDTS_ACCURACY_FINAL='bogus': Invalid enum value 'bogus' (one of: at_target, latest)"
    )
    assert lines == [f"Error: {expected}"]


def test_replica_settings_default_to_none_and_read_a_list() -> None:
    assert Settings().read_database_urls == ()
    assert Settings().max_replica_lag == timedelta(seconds=5)
    assert Settings().read_wait == timedelta(seconds=1)
    settings = Settings.from_env(
        {
            "GRIDTS_READ_DATABASE_URLS": "postgresql://a/db, postgresql://b/db",
            "GRIDTS_MAX_REPLICA_LAG": "2 seconds",
            "GRIDTS_READ_WAIT": "0.25",
        }
    )
    assert settings.read_database_urls == ("postgresql://a/db", "postgresql://b/db")
    assert settings.max_replica_lag == timedelta(seconds=2)
    assert settings.read_wait == timedelta(seconds=0.25)
    assert "postgresql://a" not in repr(settings)  # URLs may carry passwords
