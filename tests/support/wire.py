"""What the tests send over HTTP: the key header, measure rows as JSON, ISO 8601 text."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Litestar
from litestar.testing import TestClient

from gridts.testing.process import API_KEY

if TYPE_CHECKING:
    from datetime import datetime, timedelta

#: The header that carries the one key the test apps and servers accept.
AUTH = {"Authorization": f"Bearer {API_KEY}"}

#: ``make_client(**settings overrides)``, the root conftest's client factory.
ClientFactory = Callable[..., TestClient[Litestar]]


def iso_instant(moment: datetime) -> str:
    """An instant as ISO 8601 text (``2030-01-01T00:00:00+00:00``), as query parameters take it."""
    return moment.isoformat()


def iso_duration(span: timedelta) -> str:
    """A duration as ISO 8601 text (``PT43200S``), as ``lead`` takes it: msgspec's own encoding."""
    text: str = msgspec.json.decode(msgspec.json.encode(span))
    return text


def measure(node: int, measured: datetime, collected: datetime, value: float) -> dict[str, Any]:
    """One row of a ``POST /api/v1/measures`` JSON batch."""
    return {
        "node_id": node,
        "timestamp_measured": measured.isoformat(),
        "timestamp_collected": collected.isoformat(),
        "value": value,
    }


def counts(answer: dict[str, Any]) -> dict[str, Any]:
    """An ingest answer without its ``lsn`` (a WAL position no test can predict)."""
    assert re.fullmatch(r"[0-9A-F]{1,8}/[0-9A-F]{1,8}", answer.get("lsn", "")), answer
    return {key: value for key, value in answer.items() if key != "lsn"}
