"""Writing a generated data set through the ingest path: batches stored like API batches.

``gridts seed`` and the benchmarks' bulk phase use it; the rows come from ``gridts.dataset``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import psycopg
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gridts.dataset import DatasetPlan, batches, ensure_hierarchy, ensure_series
from gridts.ingest.store import store
from gridts.retention import Horizon

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from gridts.dataset import Row


@dataclass(frozen=True)
class BulkReport:
    """What a bulk write stored, and how fast."""

    rows: int
    inserted: int
    duplicates: int
    seconds: float
    generating: float = 0.0
    """Of ``seconds``, the time spent making the rows (``gridts.dataset``), not storing them."""

    @property
    def rows_per_second(self) -> float:
        """Rows sent through ingest per second of wall time (generation included)."""
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"{self.rows:,} rows ({self.inserted:,} inserted, {self.duplicates:,} already "
            f"stored) in {self.seconds:.1f} s ({self.generating:.1f} s of it generating them): "
            f"{self.rows_per_second:,.0f} rows/s"
        )


async def write_dataset(
    url: str,
    plan: DatasetPlan,
    batch_rows: int = 100_000,
    *,
    jobs: int = 2,
    progress: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> BulkReport:
    """Create the plan's hierarchy and series and store its rows, one transaction per batch.

    ``jobs`` connections store batches side by side: while the server inserts one batch, the
    next is generated and COPied on another connection (one stream leaves a core idle).
    ``on_batch`` hears the size of every stored batch (benchmarks plot rows over time). The
    report says how much of the time went to generating the rows: the rate counts both.
    """
    totals = [0, 0]
    started = time.perf_counter()
    bar = Progress(
        TextColumn("seeding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeRemainingColumn(),
        disable=not progress,
    )
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        series = await ensure_series(conn, plan, await ensure_hierarchy(conn, plan))
    generating = 0.0

    def timed(source: Iterator[list[Row]]) -> Iterator[list[Row]]:
        nonlocal generating
        while True:
            started = time.perf_counter()
            batch = next(source, None)
            generating += time.perf_counter() - started
            if batch is None:
                return
            yield batch

    pending = timed(batches(plan, series, batch_rows))
    horizon = Horizon()

    async def worker() -> None:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            for batch in pending:  # a shared iterator: each batch goes to one worker
                result = await store(conn, batch, horizon=horizon)
                totals[0] += result.inserted
                totals[1] += result.duplicates
                bar.advance(task, len(batch))
                if on_batch is not None:
                    on_batch(len(batch))

    with bar:
        task = bar.add_task("rows", total=plan.rows)
        async with asyncio.TaskGroup() as group:
            for _ in range(max(jobs, 1)):
                group.create_task(worker())
    return BulkReport(plan.rows, totals[0], totals[1], time.perf_counter() - started, generating)
