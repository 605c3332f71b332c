"""A Python client of gridts' HTTP API: ``Client`` (sync) and ``AsyncClient`` (asyncio).

    from gridts.client import Client

    with Client("http://127.0.0.1:8000", api_key="...") as gridts:
        gridts.write(forecast_frame)
        errors = gridts.accuracy(start, end, level="node", ids=[7], lead=["PT6H", "PT24H"])

Reads return pandas or polars DataFrames, or lists of msgspec Structs (``frame``; see
``gridts.client.frames``). Writes take DataFrames or rows and are cut into batches that are
resent when their answer is lost (``gridts.client.writing``). Refusals raise ``ApiError``
subclasses with the server's row and field problems (``gridts.client.errors``); 503 and 429
are retried after ``Retry-After`` (``gridts.client.retry``).

The package depends on httpx and msgspec only (pandas and polars when installed), and on
nothing of the service.
"""

from gridts.client.aio import AsyncClient
from gridts.client.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    GridtsClientError,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
    Problem,
    RateLimitedError,
    ServerError,
    TransportError,
    UnavailableError,
    UnsupportedMediaTypeError,
)
from gridts.client.frames import Rows
from gridts.client.models import (
    Accuracy,
    Grid,
    Kind,
    Measure,
    Node,
    Region,
    Rollup,
    Row,
    Series,
    WriteResult,
)
from gridts.client.retry import Retry
from gridts.client.sync import Client

__all__ = [
    "Accuracy",
    "ApiError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "ForbiddenError",
    "Grid",
    "GridtsClientError",
    "InvalidRequestError",
    "Kind",
    "Measure",
    "Node",
    "NotFoundError",
    "PayloadTooLargeError",
    "Problem",
    "RateLimitedError",
    "Region",
    "Retry",
    "Rollup",
    "Row",
    "Rows",
    "Series",
    "ServerError",
    "TransportError",
    "UnavailableError",
    "UnsupportedMediaTypeError",
    "WriteResult",
]
