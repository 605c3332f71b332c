"""A cursor whose stream hands over each chunk of rows the server sent, as one list.

psycopg's ``AsyncCursor.stream(size=n)`` receives rows ``n`` at a time (libpq's chunked rows
mode) but yields them one by one through an async generator, and a big read's answer is built
``CHUNK_ROWS`` rows at a time anyway (``gridts.reads.rows``). Each row crossing the generator
costs more than building it: for the 720,000 rows of the latest values of 1,000 nodes over 30
days, streaming row by row took 0.53-0.55 s of CPU, a list per chunk 0.39 s (``bench/README.md``,
"Rows a chunk at a time, heads once per series"). psycopg has no public call for it, so this
subclass does what ``stream`` does with the cursor's own generators, loading each chunk with
``load_rows``. ``tests/api/test_db_chunked.py`` runs it directly (every row, chunk sizes, an
early stop) and ``tests/system/test_streaming.py`` through HTTP, so a psycopg release that
changes those internals fails them rather than answering wrongly; ``pyproject.toml`` admits
psycopg below 3.4, the releases whose internals these are.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import TYPE_CHECKING, Any, TypeVar

from psycopg import AsyncCursor, ProgrammingError, pq

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Mapping

    from psycopg.abc import Query

log = logging.getLogger(__name__)

Row = TypeVar("Row")


class ChunkedCursor(AsyncCursor[Row]):
    """An ``AsyncCursor`` with ``chunks``: ``stream`` a list of rows at a time."""

    async def chunks(
        self, query: Query, params: Mapping[str, Any], *, size: int
    ) -> AsyncGenerator[list[Row]]:
        """Run ``query`` and yield its rows as the server sends them, ``size`` at most at once.

        Binary results. As ``stream``: closing the generator early cancels the query and reads
        what the server had already sent, so the connection is usable again.
        """
        if self._pgconn.pipeline_status:
            msg = "chunks() cannot be used in pipeline mode"  # as stream()
            raise ProgrammingError(msg)
        async with self._conn.lock:
            first = True
            try:
                await self._conn.wait(self._stream_send_gen(query, params, binary=True, size=size))
                while result := await self._conn.wait(self._stream_fetchone_gen(first)):
                    first = False
                    yield self._tx.load_rows(0, result.ntuples, self._make_row)
            finally:
                if self._pgconn.transaction_status == pq.TransactionStatus.ACTIVE:
                    await self._abandon()

    async def _abandon(self) -> None:
        """Cancel the query being streamed and read what is left (``stream`` does the same)."""
        try:
            await self._conn.cancel_safe(timeout=5.0)
        except Exception as error:  # noqa: BLE001 - reading on is what matters
            log.warning("query cancellation failed: %s", error)
        with suppress(Exception):  # the rows already sent, then the cancellation's error
            while await self._conn.wait(self._stream_fetchone_gen(first=False)):
                pass
        with suppress(Exception):  # out of the ACTIVE state
            await self._conn.wait(self._stream_fetchone_gen(first=False))
