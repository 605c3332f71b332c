"""The baseline's HTTP endpoints: the users' documents' FastAPI app, as they wrote it.

Issue 14 asks gridts' latest read of all nodes over 30 days to be ten times faster than this
endpoint on the same data; ``phases.baseline`` serves it with uvicorn, in an environment of its
own (``uv run --no-project --with fastapi ...``: not gridts' dependencies), and times it over
HTTP.
Only the connection differs from the documents, which connect with fixed parameters: here they
come from ``BASELINE_DSN`` (the bench's baseline database). The rest is theirs: a new psycopg2
connection per request, ``fetchall``, a list of dicts, FastAPI's default JSON response, and a
blocking driver inside ``async def``. Type annotations were added for the linters.
"""

from __future__ import annotations

import os
from datetime import datetime  # noqa: TC003 - pydantic reads the annotations at runtime
from typing import Any

import psycopg2
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class DateRange(BaseModel):
    start_datetime: datetime
    end_datetime: datetime


class DateRangeWithCollected(BaseModel):
    start_datetime: datetime
    end_datetime: datetime
    collected_datetime: datetime


def get_db_connection() -> Any:  # noqa: ANN401 - psycopg2 ships no types
    return psycopg2.connect(os.environ["BASELINE_DSN"])


@app.post("/latest_values")
async def get_latest_values(date_range: DateRange) -> list[dict[str, Any]]:
    conn = get_db_connection()
    cursor = conn.cursor()
    query = """
    SELECT m.node_id, n.node_name, m.timestamp_measured, m.value
    FROM Measures m
    JOIN GridNode n ON m.node_id = n.node_id
    WHERE m.timestamp_measured BETWEEN %s AND %s
    AND m.timestamp_collected = (
        SELECT MAX(timestamp_collected)
        FROM Measures m2
        WHERE m2.node_id = m.node_id
        AND m2.timestamp_measured = m.timestamp_measured
    )
    ORDER BY m.node_id, m.timestamp_measured
    """
    cursor.execute(query, (date_range.start_datetime, date_range.end_datetime))
    results = cursor.fetchall()
    cursor.close()
    conn.close()

    return [
        {"node_id": row[0], "node_name": row[1], "timestamp": row[2], "value": row[3]}
        for row in results
    ]


@app.post("/values_by_collected")
async def get_values_by_collected(date_range: DateRangeWithCollected) -> list[dict[str, Any]]:
    conn = get_db_connection()
    cursor = conn.cursor()
    query = """
    SELECT m.node_id, n.node_name, m.timestamp_measured, m.value
    FROM Measures m
    JOIN GridNode n ON m.node_id = n.node_id
    WHERE m.timestamp_measured BETWEEN %s AND %s
    AND m.timestamp_collected = %s
    ORDER BY m.node_id, m.timestamp_measured
    """
    cursor.execute(
        query,
        (date_range.start_datetime, date_range.end_datetime, date_range.collected_datetime),
    )
    results = cursor.fetchall()
    cursor.close()
    conn.close()

    return [
        {"node_id": row[0], "node_name": row[1], "timestamp": row[2], "value": row[3]}
        for row in results
    ]
