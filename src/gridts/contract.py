"""The OpenAPI document, exact: every status an operation can answer, and no unknown fields.

Litestar documents the success answer of each handler and a generic 400. The service can say
more, and what it says follows from the kind of operation, not from each handler: so it is
decided here, once, rather than by a ``responses=`` list on every route.

- ``ContractConfig`` (Litestar's ``OpenAPIConfig``) completes the generated document when it is
  rendered: every error answer, with the body of ``gridts.http_errors`` (``Error``), by these
  rules (``error_statuses``):

  ===  ==================================================================================
  400  a malformed parameter or body (Litestar's validation, JSON that does not parse)
  401  a guarded operation (writes; reads too with ``read_requires_key``) without a valid key
  403  writes when no key is configured (and anonymous writes are off)
  404  an id (or name) in the path that names nothing
  409  writes: a taken name, children or measures in the way, a revision stored otherwise
  413  a body over ``max_body_bytes`` (or a batch over ``max_rows_per_request``)
  415  a body in a media type the operation does not read (operations with several)
  422  a body, or a read's query, that is well formed but cannot be answered (unknown
       reference or time zone, empty range, ...): it names the field
  429  the rate limit (``rate_limit_per_minute``), everywhere but the health paths
  503  the database is away, busy or too slow (``Retry-After``)
  ===  ==================================================================================

  Each create links to the operations on what it made (``links``). Guarded operations declare
  the bearer scheme (``security``). A repeatable query parameter is never ``null`` (it is
  absent), so Litestar's ``oneOf [array, null]`` loses its ``null``.
- ``StrictStructSchemaPlugin`` writes ``additionalProperties: false`` for every msgspec Struct
  declared with ``forbid_unknown_fields=True`` (the input payloads): what the schema promises
  is what msgspec enforces, a 400 naming the unknown field.
- ``refuse_repeated_values`` refuses a single-valued query parameter given twice (400), where
  Litestar would keep one of the values silently.
- ``fix_allow`` corrects the ``Allow`` header of Litestar's automatic OPTIONS answer,
  which lists only the methods of the first handler registered on a path.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.exceptions import ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import OpenAPI
from litestar.routes import HTTPRoute

from gridts.security import WRITE_METHODS

if TYPE_CHECKING:
    from litestar import Request
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.types import Message, Scope
    from litestar.typing import FieldDefinition

    from gridts.settings import Settings

API_PREFIX = "/api/v1/"
#: Paths the rate limit leaves alone (``gridts.app`` passes them to ``RateLimitConfig``).
UNLIMITED_PATHS = ("/health", "/ready", "/metrics")
#: Paths that ask the database (besides the API): a 503 when it is away.
DATABASE_PATHS = ("/ready",)
SECURITY_SCHEME = "apiKey"
#: Reads whose query parameters Litestar checks whole (400): their services refuse nothing.
PLAIN_LISTS = frozenset({"listRegions", "listNodes", "listSeries"})

#: Query parameters every API operation takes that no service checks (Litestar's pattern does:
#: 400): ``min_lsn`` picks the server a read runs on (``gridts.db.deps``). Writes run on the
#: primary, so their operations do not list it.
PASSIVE_QUERY = frozenset({"min_lsn"})

#: What each error status means here (the response's description).
MEANING: dict[int, str] = {
    400: "Malformed request: a parameter or the body does not parse or breaks the schema "
    "(extra names the field and source).",
    401: "A valid API key is required: send Authorization: Bearer <key>.",
    403: "Writes are disabled: the service has no API keys configured.",
    404: "Nothing has this id (or name), or the path is not one of the API's.",
    409: "The request conflicts with what is stored (a taken name, children or measures in the "
    "way, a revision stored with another value); extra says what to do instead.",
    413: "The body is too large (max_body_bytes), or the batch has too many rows.",
    415: "The body's media type is not one this operation reads.",
    422: "Well formed, but it cannot be answered: extra names each parameter, field or row.",
    429: "Too many requests: the rate limit is exceeded; retry after RateLimit-Reset seconds.",
    503: "The database is unavailable or the query timed out; retry after Retry-After seconds.",
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "description": "Every refused request's body (gridts.http_errors).",
    "required": ["status_code", "detail"],
    "properties": {
        "status_code": {"type": "integer", "description": "The HTTP status, repeated."},
        "detail": {"type": "string", "description": "What is wrong, in words."},
        "extra": {
            "description": "What to fix: the parameters, fields or rows, each with a message.",
            "type": ["null", "object", "array"],
        },
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_SECONDS = {"type": "integer", "minimum": 0}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to use: Bearer.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "RateLimit-Reset": {
            "description": "Seconds until the limit resets.",
            "required": False,
            "schema": _SECONDS,
        }
    },
    503: {
        "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "required": True,
            "schema": _SECONDS,
        }
    },
}


@dataclass(frozen=True)
class Policy:
    """What the service's settings change in the contract."""

    keys_configured: bool = True
    allow_anonymous_writes: bool = False
    read_requires_key: bool = False
    rate_limited: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        """The policy of a service run with ``settings``."""
        from gridts.security import load_keys  # noqa: PLC0415 - reads a file; only here

        return cls(
            keys_configured=bool(load_keys(settings)),
            allow_anonymous_writes=settings.allow_anonymous_writes,
            read_requires_key=settings.read_requires_key,
            rate_limited=settings.rate_limit_per_minute > 0,
        )


def guarded(policy: Policy, method: str) -> bool:
    """Whether the key guard stands in front of ``method`` (``gridts.security.KeyGuard``)."""
    if method.upper() in WRITE_METHODS:
        return policy.keys_configured or not policy.allow_anonymous_writes
    return policy.read_requires_key


def error_statuses(policy: Policy, path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """Every error status the operation ``method path`` can answer."""
    api = path.startswith(API_PREFIX)
    write = method.upper() in WRITE_METHODS
    located = {p.get("in") for p in operation.get("parameters", [])}
    body = operation.get("requestBody", {}).get("content", {})
    statuses: set[int] = set()
    if body or located:
        statuses.add(400)
    if api and guarded(policy, method):
        keys_decide = policy.keys_configured or not write
        statuses.add(401 if keys_decide else 403)
    if "path" in located:
        statuses.add(404)
    if api and write:
        statuses.add(409)
    if body:
        statuses.update({413, 422})
        if len(body) > 1:
            statuses.add(415)
    checked = {
        p.get("name")
        for p in operation.get("parameters", [])
        if p.get("in") == "query" and p.get("name") not in PASSIVE_QUERY
    }
    if api and not write and checked and operation.get("operationId") not in PLAIN_LISTS:
        statuses.add(422)
    if policy.rate_limited and not path.startswith(UNLIMITED_PATHS):
        statuses.add(429)
    if api or path in DATABASE_PATHS:
        statuses.add(503)
    return sorted(statuses)


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": MEANING[status],
        "content": {"application/json": {"schema": dict(_ERROR_REF)}},
    }
    if status in _HEADERS:
        response["headers"] = copy.deepcopy(_HEADERS[status])
    return response


def _query_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A repeatable query parameter's schema without Litestar's ``null`` branch.

    ``?node_id=null`` is refused (400: not an integer), and an absent list is no list; but a
    single optional value does take ``null`` (msgspec reads ``?collected_datetime=null`` as
    none), so there the branch stays.
    """
    branches = schema.get("oneOf")
    if not isinstance(branches, list) or {"type": "null"} not in branches:
        return schema
    kept = [b for b in branches if b != {"type": "null"}]
    if not all(b.get("type") == "array" for b in kept):
        return schema
    rest = {k: v for k, v in schema.items() if k != "oneOf"}
    return {**kept[0], **rest} if len(kept) == 1 else {**rest, "oneOf": kept}


def _links(paths: dict[str, Any]) -> None:
    """Link each create (POST on a collection) to the operations on the item it made.

    ``POST /api/v1/grids`` answers a grid whose ``id`` is the ``grid_id`` of
    ``/api/v1/grids/{grid_id}`` (kinds go by ``name``): clients and stateful tests follow these.
    """
    for path, item in paths.items():
        create = item.get("post")
        if not path.startswith(API_PREFIX) or create is None or "201" not in create["responses"]:
            continue
        links: dict[str, Any] = {}
        for item_path, operations in paths.items():
            head, _, param = item_path.rpartition("/")
            if head != path or not (param.startswith("{") and param.endswith("}")):
                continue
            name = param[1:-1]
            key = "name" if name == "name" else "id"
            for operation in operations.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    links[operation["operationId"]] = {
                        "operationId": operation["operationId"],
                        "parameters": {name: f"$response.body#/{key}"},
                    }
        if links:
            create["responses"]["201"]["links"] = links


def complete(document: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """``document`` (Litestar's rendering) with every error answer and the security scheme."""
    document = copy.deepcopy(document)
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = copy.deepcopy(ERROR_SCHEMA)
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (GRIDTS_API_KEYS), as Authorization: Bearer <key>.",
    }
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if method.upper() in WRITE_METHODS and "parameters" in operation:
                kept = [p for p in operation["parameters"] if p.get("name") not in PASSIVE_QUERY]
                if kept:
                    operation["parameters"] = kept
                else:
                    del operation["parameters"]
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and "schema" in parameter:
                    parameter["schema"] = _query_schema(parameter["schema"])
            responses = operation["responses"]
            for status in error_statuses(policy, path, method, operation):
                responses[str(status)] = _error_response(status)
            if path.startswith(API_PREFIX) and guarded(policy, method):
                operation["security"] = [{SECURITY_SCHEME: []}]
    _links(document.get("paths", {}))
    return document


@dataclass
class _Document(OpenAPI):
    """Litestar's OpenAPI object, rendered through ``complete``."""

    policy: Policy = field(default_factory=Policy)

    @property
    def _exclude_fields(self) -> set[str]:
        return {"policy"}

    def to_schema(self) -> dict[str, Any]:
        return complete(super().to_schema(), self.policy)


@dataclass
class ContractConfig(OpenAPIConfig):
    """``OpenAPIConfig`` whose document declares every answer (``complete``)."""

    policy: Policy = field(default_factory=Policy)

    def to_openapi_schema(self) -> OpenAPI:
        """Litestar's document, completed when rendered."""
        base = super().to_openapi_schema()
        names = base.__dataclass_fields__
        return _Document(**{name: getattr(base, name) for name in names}, policy=self.policy)


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's Struct schemas, with ``additionalProperties: false`` where msgspec forbids."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        """The Struct's schema, closed when the Struct refuses unknown fields."""
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema


async def fix_allow(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: OPTIONS answers list every method of their path.

    (Litestar's own 405 answers already do.)
    """
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    template = scope.get("path_template")
    for route in scope["app"].routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            methods = ", ".join(sorted(route.methods)).encode()
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
            message["headers"] = [*headers, (b"allow", methods)]
            return


async def refuse_repeated_values(request: Request[Any, Any, Any]) -> None:
    """A ``before_request`` hook: a single-valued query parameter given twice is a 400.

    Litestar would keep one of the values silently; the document says the parameter is one
    value (only the repeatable ones are arrays), so the answer says which one is repeated.
    """
    if not request.query_params:
        return
    template = request.scope.get("path_template")
    for route in request.app.routes:
        if isinstance(route, HTTPRoute) and route.path_format == template:
            model = route.route_handler_map[request.method][1]
            for parameter in model.expected_query_params:
                name = parameter.field_alias
                if not parameter.is_sequence and len(request.query_params.getall(name, [])) > 1:
                    raise ValidationException(
                        f"{name} is given more than once",
                        extra=[{"key": name, "source": "query", "message": "give it once"}],
                    )
            return
