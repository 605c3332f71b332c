"""``TableResponse``: the API's response class, answering a read in the format ``Accept`` asks.

Litestar builds a handler's answer as ``response_class(content=...)`` and turns it into ASGI
with the request at hand, so the choice of format needs nothing from the handler. A GET whose
handler returns a table (``gridts.formats.tables``) answers:

- ``text/csv``: the rows as CSV, the page's other fields in ``X-Gridts-*`` headers;
- ``application/vnd.apache.arrow.stream``: an Arrow IPC stream, those fields also in the
  schema's metadata;
- JSON otherwise, as before: for ``application/json``, ``*/*``, no ``Accept``, or an ``Accept``
  naming only types the service cannot write (a friendlier answer than 406: the body says what
  it is in ``Content-Type``). JSON of more than ``CHUNK_ROWS`` rows is streamed too, with the
  same bytes.

All three carry ``Vary: Accept`` and the envelope headers. Anything else (a single entity, a
write, an error) is an ordinary Litestar response.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import anyio
from litestar import Response
from litestar.response.streaming import ASGIStreamingResponse
from litestar.serialization import encode_json, get_serializer

from gridts.db.lease import Streamed
from gridts.formats import encoders
from gridts.formats.tables import Shape, header_name, header_value, shape_of

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from litestar import Litestar, Request
    from litestar.response.base import ASGIResponse
    from litestar.types import Receive, Scope, Send

    from gridts.db.lease import Lease

log = logging.getLogger(__name__)

JSON = "application/json"
CSV = "text/csv"
ARROW = "application/vnd.apache.arrow.stream"
#: What a table can be answered as, the default first.
MEDIA_TYPES = (JSON, CSV, ARROW)
#: The ``Content-Type`` of each.
CONTENT_TYPES = {CSV: CSV, ARROW: ARROW}  # Litestar adds "; charset=utf-8" to text/*


def negotiate(request: Request[Any, Any, Any]) -> str:
    """The media type to answer ``request`` with: the best ``Accept`` match, JSON by default."""
    if "accept" not in request.headers:
        return JSON
    best = request.accept.best_match(list(MEDIA_TYPES), default=JSON)
    return next((t for t in MEDIA_TYPES if best.startswith(t)), JSON)


def table_shape(request: Request[Any, Any, Any]) -> Shape | None:
    """The table shape of the answer ``request``'s handler gives, if a GET answering one."""
    if request.method != "GET":
        return None
    return shape_of(request.route_handler.parsed_fn_signature.return_type.annotation)


async def _encoded(
    encoder: encoders.Encoder, rows: Sequence[Any], rest: AsyncIterator[list[Any]] | None
) -> AsyncIterator[bytes]:
    """The answer's bytes: each chunk of rows encoded in a worker thread as it arrives.

    Our own async generator rather than a sync iterator for Litestar to wrap: its wrapper ends
    a stream quietly on a ``ValueError`` (which pyarrow's errors are), and a failure here must
    cut the answer off instead of ending it looking complete.
    """
    yield encoder.head()
    for start in range(0, len(rows), encoders.CHUNK_ROWS):
        yield await asyncio.to_thread(encoder.rows, rows[start : start + encoders.CHUNK_ROWS])
    if rest is not None:
        async for chunk in rest:
            yield await asyncio.to_thread(encoder.rows, chunk)
    yield await asyncio.to_thread(encoder.tail)


class _Streamed(ASGIStreamingResponse):
    """A streamed answer that ends what it holds once sent, cut off or abandoned.

    For rows still being read, that is the request's connection (``gridts.db.lease``): given
    back after the last byte, when the client leaves, or when reading fails. A failure after the
    first byte cannot become an error answer: it is logged and the connection closed without
    the body's last chunk, so the client sees an incomplete answer, never a short one.
    """

    def __init__(self, *args: Any, lease: Lease | None, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self.lease = lease

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        error: BaseException | None = None
        try:
            await super().__call__(scope, receive, send)
        except Exception as failure:
            error = cause = failure
            while isinstance(cause, ExceptionGroup) and len(cause.exceptions) == 1:
                cause = cause.exceptions[0]  # anyio's task group wraps the stream's error
            log.warning(
                "%s %s: answer cut off after it began: %s: %s",
                scope.get("method"),
                scope.get("path"),
                type(cause).__name__,
                str(cause).partition("\n")[0],
            )
            raise
        finally:
            with anyio.CancelScope(shield=True):
                if isinstance(self.iterator, AsyncGenerator):
                    await self.iterator.aclose()
                if self.lease is not None:
                    await self.lease.end(error)


class TableResponse(Response[Any]):
    """A response that answers a table in the requested format, streamed when it is big."""

    def to_asgi_response(
        self,
        app: Litestar | None,
        request: Request[Any, Any, Any],
        **kwargs: Any,  # noqa: ANN401 - passed on to Litestar's own
    ) -> ASGIResponse:
        """A stream in the negotiated format for a table; Litestar's own answer otherwise."""
        shape = table_shape(request) if self.status_code in {None, 200} else None
        if shape is None:
            return super().to_asgi_response(app, request, **kwargs)
        media_type = negotiate(request)
        envelope = shape.envelope_text(self.content)
        headers = {
            **self.headers,
            "Vary": "Accept",
            **{header_name(key): header_value(text) for key, text in envelope.items()},
        }
        rows = shape.rows(self.content)
        streamed = rows if isinstance(rows, Streamed) else None
        own_json = encoders.writes_json(rows)
        encoder: encoders.Encoder | None
        if media_type == CSV:
            encoder = encoders.CsvEncoder(shape)
        elif media_type == ARROW:
            encoder = encoders.ArrowEncoder(shape, envelope)
        elif streamed is not None or own_json or len(rows) > encoders.CHUNK_ROWS:
            type_encoders = kwargs.get("type_encoders") or self.response_type_encoders
            serializer = get_serializer(type_encoders)
            encoder = encoders.JsonEncoder.of(
                shape, self.content, lambda value: encode_json(value, serializer)
            )
        else:
            encoder = None
        if encoder is None and streamed is not None:
            raise RuntimeError("a streamed answer needs a page whose rows can be split")
        if encoder is None:  # small JSON: one body, with a Content-Length
            self.headers.update(headers)
            return super().to_asgi_response(app, request, **kwargs)
        small = streamed is None and len(rows) <= encoders.CHUNK_ROWS
        if own_json and small and isinstance(encoder, encoders.JsonEncoder):
            # Rows that write their own JSON: msgspec cannot, so they do, but still in one body.
            self.headers.update(headers)
            self.content = b"".join(encoders.encoded(encoder, rows))
            return super().to_asgi_response(app, request, **kwargs)
        lease = streamed.lease.detach() if streamed is not None else None
        return _Streamed(
            iterator=_encoded(encoder, rows, streamed.rest if streamed is not None else None),
            lease=lease,
            background=self.background or kwargs.get("background"),
            content_length=0,  # as Litestar's own stream: no Content-Length, chunked
            cookies=[*self.cookies, *(kwargs.get("cookies") or ())],
            encoded_headers=kwargs.get("encoded_headers"),
            encoding=self.encoding,
            headers={**(kwargs.get("headers") or {}), **headers},
            is_head_response=kwargs.get("is_head_response", False),
            media_type=CONTENT_TYPES.get(media_type, JSON),
            status_code=200,
        )
