"""Which errors of a read on a replica send it to another server (``gridts.db.replicas``).

A replica stopped "fast" ends each session with SQLSTATE 57P01 and then closes the socket; libpq
may not have seen the close when psycopg raises, so the connection still looks open. CI once got
a 503 for such a read (``tests/system/test_replicas.py``, stopping a replica under load), which
another server could have answered.
"""

from __future__ import annotations

import asyncio

import psycopg
from psycopg import errors

from gridts.db.replicas import lost, retryable


async def _terminated(db: str) -> tuple[BaseException, bool, bool]:
    """The error of a query whose backend is terminated, and its retryability and loss."""
    async with (
        await psycopg.AsyncConnection.connect(db, autocommit=True) as victim,
        await psycopg.AsyncConnection.connect(db, autocommit=True) as admin,
    ):
        sleeping = asyncio.ensure_future(victim.execute("SELECT pg_sleep(10)"))
        await asyncio.sleep(0.3)
        await admin.execute("SELECT pg_terminate_backend(%s)", (victim.info.backend_pid,))
        try:
            await sleeping
        except psycopg.OperationalError as error:
            return error, retryable(error, victim), lost(error, victim)
    raise AssertionError("the terminated query did not fail")


def test_a_session_the_server_ends_sends_the_read_elsewhere(db: str) -> None:
    error, again, gone = asyncio.run(_terminated(db))
    assert isinstance(error, errors.AdminShutdown)
    assert (again, gone) == (True, True)


async def _classified(db: str) -> dict[str, tuple[bool, bool]]:
    """retryable and lost of each error, on a connection that is still open."""
    shown = {
        "shutdown": errors.AdminShutdown("terminating connection due to administrator command"),
        "crash": errors.CrashShutdown("terminating connection because of crash"),
        "starting": errors.CannotConnectNow("the database system is starting up"),
        "link": errors.ConnectionFailure("connection to the server was lost"),
        "replay conflict": errors.SerializationFailure("conflict with recovery"),
        "statement timeout": errors.QueryCanceled("canceling statement due to statement timeout"),
        "other": psycopg.OperationalError("something else"),
    }
    async with await psycopg.AsyncConnection.connect(db) as conn:
        assert not conn.closed
        return {name: (retryable(e, conn), lost(e, conn)) for name, e in shown.items()}


def test_an_ended_session_counts_as_lost_even_before_the_socket_closes(db: str) -> None:
    assert asyncio.run(_classified(db)) == {
        "shutdown": (True, True),
        "crash": (True, True),
        "starting": (True, True),
        "link": (True, True),
        "replay conflict": (True, False),  # run elsewhere; the replica stays in use
        "statement timeout": (False, False),  # another server would only time out too
        "other": (False, False),
    }
