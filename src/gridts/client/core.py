"""What the sync and async clients share: a request as data (``Call``), and one send's fate.

Each endpoint is a function of ``gridts.client.endpoints`` that builds a ``Call``: method, path,
query, JSON body, whether it may be resent after a lost answer, and how to decode a success.
The two clients only send it (``httpx.Client`` or ``httpx.AsyncClient``) and sleep between
attempts; ``Attempts`` decides everything else, so both behave identically by construction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

import httpx
import msgspec

from gridts import __version__
from gridts.client.errors import TransportError, error_from_answer
from gridts.client.retry import MAYBE_DONE, NOT_SENT, Retry, server_wait

T = TypeVar("T")

#: Where the API lives under the server's root.
API = "/api/v1"

Query = tuple[tuple[str, str], ...]

ONCE = Retry(attempts=1)


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One request to make, and how to read its success."""

    method: str
    path: str
    parse: Callable[[bytes], T]
    params: Query = ()
    body: bytes | None = None
    resend: bool = True
    """Safe to send again when no answer came (the server may have done it already)."""
    gone_ok: bool = False
    """A delete: a 404 to a resend means the first send, whose answer was lost, deleted it."""
    once: bool = False
    """Never sent again (a probe such as ``/ready`` wants the answer of now)."""

    @property
    def headers(self) -> dict[str, str]:
        """Headers of this request beyond the client's own."""
        return {"Content-Type": "application/json"} if self.body is not None else {}


class Attempts(Generic[T]):
    """The sends of one ``Call``: after each, either its result or how long to wait."""

    def __init__(self, call: Call[T], retry: Retry) -> None:
        self.call = call
        self.retry = ONCE if call.once else retry
        self.sent = 0
        self.resent = 0
        """Sends after a lost answer: the server may have done the work already."""
        self.lost = False
        self.result: T

    def answered(
        self, status: int, headers: Mapping[str, str], content: bytes, url: str
    ) -> float | None:
        """None when done (``result`` is set); else seconds to wait before sending again.

        Raises the ``ApiError`` for a refusal that is not retried.
        """
        self.sent += 1
        if 200 <= status < 300:  # noqa: PLR2004
            self.result = self.call.parse(content)
            return None
        if status == 404 and self.call.gone_ok and self.lost:  # noqa: PLR2004
            self.result = self.call.parse(b"")
            return None
        wait = self.retry.after_answer(self.sent - 1, status, headers, resend=self.call.resend)
        if wait is None:
            raise error_from_answer(
                status,
                content,
                method=self.call.method,
                url=url,
                retry_after=server_wait(status, headers),
            )
        if status in MAYBE_DONE:
            self._lost()
        return wait

    def failed(self, error: httpx.TransportError) -> float:
        """Seconds to wait before sending again after no answer; raises when not retried.

        No answer means no head: a body that breaks off after its head is ``broke_off``.
        """
        self.sent += 1
        wait = self.retry.after_failure(self.sent - 1, error, resend=self.call.resend)
        if wait is None:
            raise TransportError(
                f"{self.call.method} {self.call.path}: no answer after {self.sent} attempt(s): "
                f"{type(error).__name__}: {error}"
            ) from error
        if not isinstance(error, NOT_SENT):
            self._lost()
        return wait

    def broke_off(self, error: httpx.TransportError, status: int, received: int) -> float:
        """After an answer whose body broke off after its head: the wait before sending again.

        A read is not sent again (this raises): gridts streams a big answer and, when its rows
        pass the limit (``GRIDTS_MAX_RESPONSE_ROWS``) after the first chunk has gone, can only
        end it this way; a resend would redo the whole read to be cut off at the same place. Any
        other request is an answer lost (``failed``): a write's short answer broken off is one.
        """
        if self.call.method != "GET":
            return self.failed(error)
        self.sent += 1
        raise TransportError(
            f"{self.call.method} {self.call.path}: the answer (status {status}) broke off after "
            f"{received:,} bytes ({type(error).__name__}: {error}); not sent again. A streamed "
            "answer ends so when it passes the server's row limit (GRIDTS_MAX_RESPONSE_ROWS): "
            "ask for fewer rows (a narrower range, fewer nodes)"
        ) from error

    def _lost(self) -> None:
        self.lost = True
        self.resent += 1


#: Seconds to wait for a connection, and for each read or write on it: a big read streams, so
#: only a pause this long between chunks times out.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
#: Where ``api_key`` comes from when none is given.
KEY_VARIABLE = "GRIDTS_API_KEY"


def connection(
    base_url: str,
    api_key: str | None,
    timeout: float | httpx.Timeout | None,
    headers: Mapping[str, str] | None,
) -> dict[str, Any]:
    """The arguments of ``httpx.Client``/``AsyncClient`` for both clients."""
    root = base_url.rstrip("/").removesuffix(API)
    sent = {"Accept": "application/json", "User-Agent": f"gridts-client/{__version__}"}
    sent |= dict(headers or {})
    key = api_key if api_key is not None else os.environ.get(KEY_VARIABLE)
    if key:
        sent["Authorization"] = f"Bearer {key}"
    return {
        "base_url": root,
        "headers": sent,
        "timeout": DEFAULT_TIMEOUT if timeout is None else timeout,
    }


def decode(kind: type[T]) -> Callable[[bytes], T]:
    """A parser of a JSON answer into ``kind``."""
    decoder = msgspec.json.Decoder(kind)
    return decoder.decode


def nothing(_: bytes) -> None:
    """The parser of an answer without a body (204)."""


def body(values: Mapping[str, Any]) -> bytes:
    """A JSON object of ``values``, leaving out those that are ``msgspec.UNSET``."""
    return msgspec.json.encode({k: v for k, v in values.items() if v is not msgspec.UNSET})


def instant(value: datetime | str, name: str) -> str:
    """A timestamp parameter as RFC 3339 text; a naive datetime is refused before sending."""
    if isinstance(value, str):
        return value
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime or RFC 3339 text")
    if value.utcoffset() is None:
        raise ValueError(f"{name} has no time zone: give an aware datetime, e.g. tzinfo=UTC")
    return value.isoformat()


def duration(value: timedelta | str | float) -> str:
    """A lead: an ISO 8601 duration (``timedelta`` or text such as ``PT24H``) or hours."""
    if isinstance(value, timedelta):
        text: str = msgspec.json.decode(msgspec.json.encode(value))
        return text
    if isinstance(value, bool):
        raise TypeError("a lead is a timedelta, an ISO 8601 duration or a number of hours")
    return str(value)


def query(**values: Any) -> Query:  # noqa: ANN401 - each parameter's own type
    """Query parameters, in the server's names; None is left out, a sequence repeats the key."""
    pairs: list[tuple[str, str]] = []
    for name, value in values.items():
        if value is None or value is msgspec.UNSET:
            continue
        items = (
            value if isinstance(value, Iterable) and not isinstance(value, str | bytes) else [value]
        )
        for item in items:
            if isinstance(item, bool):
                pairs.append((name, "true" if item else "false"))
            elif isinstance(item, datetime):
                pairs.append((name, instant(item, name)))
            elif isinstance(item, timedelta):
                pairs.append((name, duration(item)))
            else:
                pairs.append((name, str(item)))
    return tuple(pairs)
