"""What a run writes: ``results.json``, ``report.md``, the table on the terminal, two plots.

Written even when a phase failed (with what was measured until then). The plots take their
points from the read cases' fields (level, resolution, width), never from figure names.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from rich import get_console
from rich.table import Table

if TYPE_CHECKING:
    from pathlib import Path

    from cases import ReadCase
    from results import Results


def write(results: Results, cases: list[ReadCase], output: Path) -> None:
    """Write every output into ``output`` and print the table."""
    output.mkdir(parents=True, exist_ok=True)
    document = {
        "preset": results.preset,
        "plan": results.plan,
        "machine": results.machine,
        "figures": [{**asdict(f), "ratio": f.ratio} for f in results.figures],
        "ingest_curve": results.ingest_curve,
    }
    (output / "results.json").write_text(json.dumps(document, indent=2, default=str), "utf-8")
    lines = [
        f"# gridts benchmark, preset `{results.preset}`",
        "",
        ", ".join(f"{k}: {v}" for k, v in results.machine.items()),
        "",
        "| figure | gridts | unit | baseline | x better | note |",
        "|---|---:|---|---:|---:|---|",
    ]
    lines += [
        f"| {f.name} | {_fmt(f.value)} | {f.unit} | {_fmt(f.baseline)} | "
        f"{_fmt(f.ratio)} | {f.note} |"
        for f in results.figures
    ]
    (output / "report.md").write_text("\n".join(lines) + "\n", "utf-8")
    _latency_by_width(results, cases, output / "latency_by_width.png")
    _ingest_over_time(results, output / "ingest_over_time.png")
    table = Table(title=f"gridts, preset {results.preset}")
    for column in ("figure", "gridts", "unit", "baseline", "x better"):
        table.add_column(column, justify="left" if column in {"figure", "unit"} else "right")
    for f in results.figures:
        table.add_row(f.name, _fmt(f.value), f.unit, _fmt(f.baseline), _fmt(f.ratio))
    console = get_console()
    console.print(table)
    console.print(f"written to {output}")


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def _pyplot():  # noqa: ANN202 - matplotlib.pyplot, imported only when plotting
    import matplotlib as mpl  # noqa: PLC0415 - only the report needs it

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def _latency_by_width(results: Results, cases: list[ReadCase], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for level in ("region", "grid"):
        for resolution in ("auto", "raw"):
            points = []
            for case in cases:
                if case.kind == "rollup" and (case.level, case.resolution) == (level, resolution):
                    figure = results.find(case.figure_id("p50"))
                    if figure is not None and figure.value is not None:
                        points.append((case.days, figure.value))
            if points:
                xs, ys = zip(*sorted(points), strict=True)
                ax.plot(xs, ys, marker="o", label=f"{level}, {resolution}")
    ax.set(xscale="log", yscale="log", xlabel="range width (days)", ylabel="p50 over HTTP (ms)")
    ax.set_title("Rollup latency by range width: raw vs continuous aggregates")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _ingest_over_time(results: Results, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    curve = results.ingest_curve
    rates = [
        (t1, (r1 - r0) / (t1 - t0)) for (t0, r0), (t1, r1) in itertools.pairwise(curve) if t1 > t0
    ]
    if rates:
        ax.plot([t for t, _ in rates], [r for _, r in rates])
    ax.set(xlabel="seconds", ylabel="rows/s", title="Bulk ingest rate over time")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
