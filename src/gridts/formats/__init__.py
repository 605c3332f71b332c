"""Answers in the formats analysts load: JSON, CSV and Arrow IPC streams, chosen by ``Accept``.

Every read answers a table: a list of msgspec Structs, alone (``GET /api/v1/grids``) or as the
one list field of a page whose other fields say what was read (``level``, ``resolution``,
``source``, ``note``). ``tables`` finds that shape from a handler's return type, ``encoders``
writes a table in chunks (msgspec for JSON, the stdlib ``csv`` module, pyarrow's IPC writer),
``response`` is the Litestar response class that picks the format and streams it, and
``openapi`` lists the extra media types in the OpenAPI document. Nothing in a resource's routes
has to know: the API router's ``response_class`` is ``TableResponse``.
"""

from gridts.formats.openapi import describe_formats
from gridts.formats.response import TableResponse

__all__ = ["TableResponse", "describe_formats"]
