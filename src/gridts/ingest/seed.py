"""``gridts seed`` through the ingest path: the generator's batches stored like API batches."""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from gridts.ingest.store import store
from gridts.seeding import SeedPlan, batches, ensure_hierarchy


@dataclass(frozen=True)
class SeedReport:
    """What a seed run wrote, and how fast."""

    rows: int
    inserted: int
    duplicates: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        """Rows sent through ingest per second of wall time (generation included)."""
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        """One line for the terminal."""
        return (
            f"{self.rows:,} rows ({self.inserted:,} inserted, {self.duplicates:,} already "
            f"stored) in {self.seconds:.1f} s: {self.rows_per_second:,.0f} rows/s"
        )


async def write_seed(
    url: str, plan: SeedPlan, batch_rows: int = 100_000, *, progress: bool = False
) -> SeedReport:
    """Create the plan's hierarchy and store its rows, one transaction per batch."""
    inserted = duplicates = 0
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
        node_ids = await ensure_hierarchy(conn, plan)
        with bar:
            task = bar.add_task("rows", total=plan.rows)
            for batch in batches(plan, node_ids, batch_rows):
                result, _ = await store(conn, batch)
                inserted += result.inserted
                duplicates += result.duplicates
                bar.advance(task, len(batch))
    return SeedReport(plan.rows, inserted, duplicates, time.perf_counter() - started)
