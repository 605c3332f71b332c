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
from typing import TYPE_CHECKING, Any

from litestar import Response
from litestar.response import Stream
from litestar.serialization import encode_json, get_serializer

from gridts.formats import encoders
from gridts.formats.tables import Shape, header_name, header_value, shape_of

if TYPE_CHECKING:
    from collections.abc import Iterator

    from litestar import Litestar, Request
    from litestar.response.base import ASGIResponse

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


class _InThread:
    """The chunks of an encoder, each made in a worker thread so the event loop keeps serving.

    Litestar's own wrapper of sync iterators ends a stream quietly on a ``ValueError`` (which
    pyarrow's errors are): a failure here must abort the answer instead of cutting it short
    looking complete. An iterator object, not an async generator, so a client that leaves
    mid-answer leaves nothing to finalise.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def __aiter__(self) -> _InThread:
        return self

    async def __anext__(self) -> bytes:
        chunk = await asyncio.to_thread(next, self._chunks, None)
        if chunk is None:
            raise StopAsyncIteration
        return chunk


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
        chunks: Iterator[bytes] | None
        if media_type == CSV:
            chunks = encoders.csv_chunks(shape, self.content)
        elif media_type == ARROW:
            chunks = encoders.arrow_chunks(shape, self.content, envelope)
        elif len(shape.rows(self.content)) > encoders.CHUNK_ROWS:
            type_encoders = kwargs.get("type_encoders") or self.response_type_encoders
            serializer = get_serializer(type_encoders)
            chunks = encoders.json_chunks(
                shape, self.content, lambda value: encode_json(value, serializer)
            )
        else:
            chunks = None
        if chunks is None:  # small JSON: one body, with a Content-Length
            self.headers.update(headers)
            return super().to_asgi_response(app, request, **kwargs)
        stream = Stream(
            _InThread(chunks),
            media_type=CONTENT_TYPES.get(media_type, JSON),
            headers=headers,
            status_code=200,
            background=self.background,
            cookies=self.cookies,
        )
        return stream.to_asgi_response(
            app, request, **{k: v for k, v in kwargs.items() if k != "media_type"}
        )
