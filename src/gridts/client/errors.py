"""Errors the client raises: every refused request is an ``ApiError`` carrying the server's words.

The server answers a refused request with ``{"status_code", "detail", "extra"}``, where
``extra`` lists what to fix: rows and fields of a write batch (``{"row", "field",
"message"}``), a query parameter (``{"key", "message"}``), or a hint (``{"message"}``). Each
entry becomes a ``Problem``. The exception's class follows the status, so callers can catch
``ConflictError`` or ``InvalidRequestError`` without reading codes; anything unexpected (a proxy's
HTML page, say) still becomes an ``ApiError`` with the text as its detail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from gridts.client.models import WriteResult

#: How much of an answer that is not JSON an error keeps as its detail.
_MAX_TEXT = 500
#: How many problems ``str(error)`` lists (all are in ``error.problems``).
_SHOWN = 5


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """One thing to fix: a row and field of a write, or a query parameter (``key``), and why.

    ``row`` counts the rows given to ``write``, from 0.
    """

    message: str
    row: int | None = None
    field: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(self.field)
        if self.key is not None:
            where.append(self.key)
        return f"{' '.join(where)}: {self.message}" if where else self.message


class GridtsClientError(Exception):
    """Anything the client raises on purpose."""


class TransportError(GridtsClientError):
    """No answer came back (connection refused, timeout, dropped connection) after every retry.

    ``__cause__`` is httpx's error. After a write, the batch may or may not be stored; resending
    it is safe.
    """


class ApiError(GridtsClientError):
    """The server refused the request.

    ``status`` is the HTTP status, ``detail`` the server's sentence, ``problems`` what to fix
    (rows and fields, or parameters), ``body`` the decoded answer. After a ``write``, ``written``
    says what the batches before the refused one stored (they are kept: a write is atomic per
    batch, not across batches), and ``first_row`` is the index of the refused batch's first row.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        problems: list[Problem] | None = None,
        *,
        method: str = "",
        url: str = "",
        body: Any = None,  # noqa: ANN401 - decoded JSON
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.detail = detail
        self.problems = problems or []
        self.method = method
        self.url = url
        self.body = body
        self.retry_after = retry_after
        self.written: WriteResult | None = None
        self.first_row: int | None = None
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"{self.status} {self.method} {self.url}: {self.detail}".replace("  ", " ")
        if self.problems:
            shown = "; ".join(str(p) for p in self.problems[:_SHOWN])
            more = (
                f" (and {len(self.problems) - _SHOWN} more)" if len(self.problems) > _SHOWN else ""
            )
            text += f" [{shown}{more}]"
        return text

    def shifted(self, offset: int, written: WriteResult) -> ApiError:
        """This error with rows counted from the start of the whole write, not of the batch."""
        self.problems = [
            p if p.row is None else msgspec.structs.replace(p, row=p.row + offset)
            for p in self.problems
        ]
        self.first_row = offset
        self.written = written
        self.args = (self._message(),)
        return self


class BadRequestError(ApiError):
    """400: the request is malformed (a body that is not JSON, a parameter of the wrong type)."""


class AuthenticationError(ApiError):
    """401: the API key is missing or wrong."""


class ForbiddenError(ApiError):
    """403: the server accepts no key for this (writes with no keys configured)."""


class NotFoundError(ApiError):
    """404: the entity named in the path does not exist."""


class ConflictError(ApiError):
    """409: the request contradicts what is stored (a taken name, a changed revision...)."""


class PayloadTooLargeError(ApiError):
    """413: more rows or bytes than one request may carry."""


class UnsupportedMediaTypeError(ApiError):
    """415: the body's media type is not one the endpoint takes."""


class InvalidRequestError(ApiError):
    """422: rows or parameters the server cannot use; ``problems`` names each row and field."""


class RateLimitedError(ApiError):
    """429: too many requests; raised once the retries are used up."""


class UnavailableError(ApiError):
    """503: the database is away or a query timed out; raised once the retries are used up."""


class ServerError(ApiError):
    """Any other 5xx."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    422: InvalidRequestError,
    429: RateLimitedError,
    503: UnavailableError,
}


def _problem(item: Any) -> Problem:  # noqa: ANN401 - decoded JSON
    if isinstance(item, dict):
        try:
            return msgspec.convert(
                {k: v for k, v in item.items() if k in {"row", "field", "key", "message"}},
                Problem,
            )
        except msgspec.ValidationError:
            pass
        return Problem(message=str(item.get("message", item)))
    return Problem(message=str(item))


def _problems(extra: Any) -> list[Problem]:  # noqa: ANN401 - decoded JSON
    if extra is None:
        return []
    if isinstance(extra, list):
        return [_problem(item) for item in extra]
    if isinstance(extra, dict):
        return [_problem(extra)]
    return [Problem(message=str(extra))]


def error_from_answer(
    status: int,
    content: bytes,
    *,
    method: str = "",
    url: str = "",
    retry_after: float | None = None,
) -> ApiError:
    """The exception for a refused request: its class by status, the body's detail and problems."""
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)  # noqa: PLR2004
    try:
        body = msgspec.json.decode(content)
    except msgspec.DecodeError:
        text = content.decode("utf-8", errors="replace").strip()[:_MAX_TEXT]
        return cls(status, text or "no detail", method=method, url=url, retry_after=retry_after)
    if not isinstance(body, dict):
        return cls(status, str(body)[:_MAX_TEXT], method=method, url=url, body=body)
    detail = body.get("detail")
    return cls(
        status,
        str(detail) if detail is not None else "no detail",
        _problems(body.get("extra")),
        method=method,
        url=url,
        body=body,
        retry_after=retry_after,
    )
