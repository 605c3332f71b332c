"""When to send a request again, and how long to wait first: one policy for both clients.

Sent again, after a wait:
- 503 (database away, query cancelled) and 429 (rate limit): the server did nothing, so any
  request may be resent. The wait is the answer's ``Retry-After`` (seconds or an HTTP date), for
  a 429 without one its ``RateLimit-Reset``, else an exponential backoff.
- No answer at all (connection dropped, read timeout) and 502/504 from a proxy: the server may
  have done the work, so only requests that are safe to repeat are resent: reads, updates,
  deletes, and measure writes (a row equal to a stored one is a duplicate, counted and not stored
  twice). Creating a grid, region, node, kind or series is not resent (its resend would be a 409).
  A connection that was never made is resent whatever the request.
- A read whose answer breaks off after its head is not resent (``Attempts.broke_off``): gridts
  ends a streamed answer so when its rows pass the server's limit, and a resend would redo the
  whole read to be cut off at the same place. Any other request's broken answer is a lost one.

Attempts are bounded, and so is a wait: a server asking for longer than ``max_wait`` gets the
error raised at once, with its ``retry_after``, rather than a client that blocks for minutes.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Answers after which the server did nothing: any request may be resent.
NOTHING_DONE = frozenset({429, 503})
#: Answers from something between client and server: the work may or may not have been done.
MAYBE_DONE = frozenset({502, 504})
#: Failures that happen before the request left: nothing can have been done.
NOT_SENT: tuple[type[httpx.TransportError], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


@dataclass(frozen=True, slots=True)
class Retry:
    """How often and how patiently a request is sent again."""

    attempts: int = 5
    """Sends at most, the first one included (1: never resend)."""
    backoff: float = 0.5
    """Seconds before the first resend when the server names no wait; doubled each time."""
    max_backoff: float = 10.0
    """The longest backoff wait."""
    max_wait: float = 60.0
    """The longest wait a server may ask for; asked for longer, the client raises instead."""

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")

    def backoff_for(self, attempt: int) -> float:
        """The wait before resend number ``attempt + 1`` when the server names none."""
        return float(min(self.backoff * 2**attempt, self.max_backoff))

    def after_answer(
        self, attempt: int, status: int, headers: Mapping[str, str], *, resend: bool
    ) -> float | None:
        """Seconds to wait before sending again after answer ``status``, or None: do not."""
        if attempt + 1 >= self.attempts:
            return None
        if status in NOTHING_DONE:
            named = server_wait(status, headers)
            if named is None:
                return self.backoff_for(attempt)
            return named if named <= self.max_wait else None
        if status in MAYBE_DONE and resend:
            return self.backoff_for(attempt)
        return None

    def after_failure(
        self, attempt: int, error: httpx.TransportError, *, resend: bool
    ) -> float | None:
        """Seconds to wait before sending again after no answer came, or None: do not."""
        if attempt + 1 >= self.attempts:
            return None
        if resend or isinstance(error, NOT_SENT):
            return self.backoff_for(attempt)
        return None


def server_wait(status: int, headers: Mapping[str, str]) -> float | None:
    """The wait the answer asks for: ``Retry-After``, or for a 429 ``RateLimit-Reset``."""
    text = headers.get("retry-after")
    if text is None and status == 429:  # noqa: PLR2004 - Litestar's rate limit names the reset
        text = headers.get("ratelimit-reset")
    if text is None:
        return None
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
