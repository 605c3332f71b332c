"""What can go wrong with a request, said in the domain's words.

Services and parsers raise these; they know nothing of HTTP. ``gridts.http_errors`` is the one
place that turns each into an answer (status code and body), and the database's own failures
(away, timed out) into 503s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from collections.abc import Sequence

#: An answer lists at most this many problems (and says how many there were in all).
MAX_PROBLEMS = 100


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """One reason a batch was refused: the row (0-based, as sent), the field and why."""

    row: int | None
    field: str | None
    message: str


class GridtsError(Exception):
    """A request gridts refuses; ``detail`` says why, in words a client can act on."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(GridtsError):
    """The entity named by the request does not exist."""


class ConflictError(GridtsError):
    """The request contradicts what is stored: a taken name, a key stored with another value.

    ``hint`` says what to do instead; ``problems`` names the rows of a batch that conflict.
    """

    def __init__(
        self, detail: str, hint: str | None = None, problems: Sequence[Problem] | None = None
    ) -> None:
        super().__init__(detail)
        self.hint = hint
        self.problems = None if problems is None else list(problems)


class InvalidParameterError(GridtsError):
    """A parameter (query or body field) has a value the request cannot be answered with."""

    def __init__(self, detail: str, key: str, message: str) -> None:
        super().__init__(detail)
        self.key = key
        self.message = message


class AnswerTooLargeError(InvalidParameterError):
    """The answer would hold more rows than one response may; the request must be narrowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the answer has more than {limit} rows",
            "end_datetime",
            "narrow the range (start_datetime/end_datetime), select fewer entities "
            "(node_id/region_id/grid_id or id), or ask for a coarser resolution",
        )


class BatchRejectedError(GridtsError):
    """A write batch that is stored not at all; ``problems`` lists what to fix (maybe none)."""

    def __init__(self, detail: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(detail)
        self.problems = list(problems)


class InvalidRowsError(BatchRejectedError):
    """Rows of a batch are malformed or name what does not exist."""

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        total = len(problems) if total is None else total
        shown = list(problems)[:MAX_PROBLEMS]
        more = f" (the first {len(shown)} are listed)" if total > len(shown) else ""
        super().__init__(f"{total} problem(s) in the batch, nothing was stored{more}", shown)


class BatchConflictError(BatchRejectedError):
    """Rows of a batch repeat a key with another value, in the batch or against stored rows."""


class BatchTooLargeError(BatchRejectedError):
    """The batch holds more rows (or bytes) than one request may: split it."""

    def __init__(self, count: int, limit: int) -> None:
        super().__init__(
            f"the batch holds {count} rows; at most {limit} per request "
            "(GRIDTS_MAX_ROWS_PER_REQUEST): split it into several requests"
        )


class MalformedBodyError(BatchRejectedError):
    """The body is not UTF-8 JSON or CSV at all."""


class UnsupportedMediaTypeError(BatchRejectedError):
    """The body's media type is neither JSON nor CSV."""
