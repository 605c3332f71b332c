"""The OpenAPI document's declared answers follow the service's settings (``gridts.contract``).

The document is built without a database: ``create_app`` only makes the pool, it does not open it.
"""

from __future__ import annotations

from typing import Any

import pytest

from gridts.app import create_app
from gridts.contract import MEANING
from gridts.settings import Settings

NOWHERE = "postgresql://nobody@127.0.0.1:1/none"
WRITES = {"post", "patch", "put", "delete"}


def document(**env: str) -> dict[str, Any]:
    app = create_app(Settings.from_env(env), database_url=NOWHERE)
    return app.openapi_schema.to_schema()


def operations(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        op["operationId"]: (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }


def statuses(op: dict[str, Any]) -> set[int]:
    return {int(status) for status in op["responses"]}


@pytest.fixture(scope="module")
def keyed() -> dict[str, Any]:
    return document(GRIDTS_API_KEYS="k")


def test_every_error_answer_has_the_error_body(keyed: dict[str, Any]) -> None:
    assert "Error" in keyed["components"]["schemas"]
    for path, method, op in operations(keyed).values():
        for status, response in op["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)
                assert response["description"] == MEANING[int(status)]


def test_statuses_by_kind_of_operation(keyed: dict[str, Any]) -> None:
    ops = operations(keyed)
    assert statuses(ops["listGrids"][2]) == {200, 400, 429, 503}  # 400: a malformed min_lsn
    assert statuses(ops["getGrid"][2]) == {200, 400, 404, 429, 503}
    assert statuses(ops["createGrid"][2]) == {201, 400, 401, 409, 413, 422, 429, 503}
    assert statuses(ops["updateKind"][2]) == {200, 400, 401, 404, 409, 413, 422, 429, 503}
    assert statuses(ops["deleteSeries"][2]) == {204, 400, 401, 404, 409, 429, 503}
    assert statuses(ops["createMeasures"][2]) == {201, 400, 401, 409, 413, 415, 422, 429, 503}
    assert statuses(ops["listMeasures"][2]) == {200, 400, 422, 429, 503}
    assert statuses(ops["listNodes"][2]) == {200, 400, 429, 503}
    assert statuses(ops["health"][2]) == {200}
    assert statuses(ops["ready"][2]) == {200, 503}
    retry = ops["getGrid"][2]["responses"]["503"]["headers"]["Retry-After"]
    assert retry["required"] is True


def test_writes_declare_the_key_and_reads_do_not(keyed: dict[str, Any]) -> None:
    assert keyed["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    for path, method, op in operations(keyed).values():
        write = method in WRITES
        assert ("security" in op) == write, (path, method)
        assert (401 in statuses(op)) == write, (path, method)
        assert 403 not in statuses(op)


def test_no_keys_means_writes_are_refused_with_403() -> None:
    for _, method, op in operations(document()).values():
        assert 401 not in statuses(op)
        assert (403 in statuses(op)) == (method in WRITES)


def test_anonymous_writes_need_no_key() -> None:
    doc = document(GRIDTS_ALLOW_ANONYMOUS_WRITES="true")
    for _, _, op in operations(doc).values():
        assert not statuses(op) & {401, 403}
        assert "security" not in op


def test_reads_that_need_a_key_say_so() -> None:
    doc = document(GRIDTS_API_KEYS="k", GRIDTS_READ_REQUIRES_KEY="true")
    for path, _, op in operations(doc).values():
        api = path.startswith("/api/v1/")
        assert (401 in statuses(op)) == api, path
        assert ("security" in op) == api, path


def test_429_only_with_a_rate_limit_and_never_on_health() -> None:
    limited = operations(document(GRIDTS_API_KEYS="k"))
    assert all(429 in statuses(op) for path, _, op in limited.values() if path.startswith("/api"))
    assert 429 not in statuses(limited["health"][2]) | statuses(limited["ready"][2])
    unlimited = operations(document(GRIDTS_API_KEYS="k", GRIDTS_RATE_LIMIT_PER_MINUTE="0"))
    assert not any(429 in statuses(op) for _, _, op in unlimited.values())


def test_every_request_body_refuses_unknown_fields(keyed: dict[str, Any]) -> None:
    schemas = keyed["components"]["schemas"]
    bodies = 0
    for path, method, op in operations(keyed).values():
        content = op.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            continue
        schema = schema.get("items", schema)  # ingest: an array of rows
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        assert schema["additionalProperties"] is False, (path, method)
        bodies += 1
    assert bodies >= 11  # create and update of 5 resources, and ingest


def test_output_structs_stay_open(keyed: dict[str, Any]) -> None:
    schemas = keyed["components"]["schemas"]
    assert "additionalProperties" not in schemas["Grid"]
    assert "additionalProperties" not in schemas["Series"]


def test_creates_link_to_their_item(keyed: dict[str, Any]) -> None:
    ops = operations(keyed)
    links = ops["createRegion"][2]["responses"]["201"]["links"]
    assert set(links) == {"getRegion", "updateRegion", "deleteRegion"}
    assert links["getRegion"]["parameters"] == {"region_id": "$response.body#/id"}
    kinds = ops["createKind"][2]["responses"]["201"]["links"]
    assert kinds["deleteKind"]["parameters"] == {"name": "$response.body#/name"}


def test_repeatable_query_parameters_are_never_null(keyed: dict[str, Any]) -> None:
    for _, _, op in operations(keyed).values():
        for parameter in op.get("parameters", []):
            branches = parameter["schema"].get("oneOf", [])
            if {"type": "null"} in branches:
                assert all(b.get("type") != "array" for b in branches), parameter["name"]
