"""Benchmark: our CSV and XLSX exports beside PostgreSQL's own COPY of the same rows.

Run as ``.venv/bin/python -m bench.exports [--rows 100000]``. It makes a throwaway PostgreSQL
database, bulk-loads one vacancy with ``--rows`` applications and one with a tenth as many,
then measures each export in a fresh process (so each peak RSS is that measurement's own) and
prints times, peak memory and the ratios against the COPY baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from bench import child, seed
from recruit.models import Base
from testkit.databases import postgres_database

KINDS = ("copy", "csv", "rawxlsx", "xlsx")
LABELS = {
    "copy": "COPY ... TO STDOUT WITH CSV",
    "csv": "our CSV export",
    "rawxlsx": "raw XlsxWriter, same cells",
    "xlsx": "our XLSX export",
}
# Each product figure against the baseline measured beside it: (label, product, baseline).
PAIRS = (("P5a csv", "csv", "copy"), ("P5b xlsx", "xlsx", "rawxlsx"))
# run(): the seconds it may take in all (bench.run allows it 300), and per measurement.
RUN_BUDGET = 250.0
RUN_TIMEOUT = 120.0


def table(results: list[dict[str, Any]]) -> str:
    """The figures as a Markdown table, ratios against the COPY run at the same size."""
    baseline = {r["rows"]: r for r in results if r["kind"] == "copy"}
    lines = [
        "| export | rows | seconds | peak RSS MiB | RSS before MiB | growth MiB | size MiB "
        "| time × COPY | peak RSS × COPY |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        base = baseline.get(r["rows"])
        time_ratio = f"{r['seconds'] / base['seconds']:.1f}" if base else "–"
        mem_ratio = f"{r['peak_mib'] / base['peak_mib']:.1f}" if base else "–"
        lines.append(
            f"| {LABELS[r['kind']]} | {r['rows']:,} | {r['seconds']:.2f} | {r['peak_mib']:.1f} "
            f"| {r['start_mib']:.1f} | {r['peak_mib'] - r['start_mib']:.1f} "
            f"| {r['bytes'] / 2**20:.1f} | {time_ratio} | {mem_ratio} |"
        )
    return "\n".join(lines)


def growth(results: list[dict[str, Any]]) -> str:
    """Peak RSS of each export at both sizes: flat means memory does not grow with rows."""
    lines = []
    for kind in ("csv", "xlsx"):
        peaks: dict[int, float] = {}
        for r in results:
            if r["kind"] == kind:
                peaks[r["rows"]] = max(peaks.get(r["rows"], 0.0), r["peak_mib"])
        if len(peaks) >= 2:
            small, big = min(peaks), max(peaks)
            lines.append(
                f"{kind}: peak RSS {peaks[small]:.1f} MiB at {small:,} rows, "
                f"{peaks[big]:.1f} MiB at {big:,} rows "
                f"({peaks[big] - peaks[small]:+.1f} MiB for {big / small:.0f}× the rows)"
            )
    return "\n".join(lines)


def figure_lines(results: list[dict[str, Any]], rows: int) -> list[str]:
    """`P5a`/`P5b` lines: the best time of each side at `rows`, then `#` detail lines."""
    lines = []
    for label, kind, base in PAIRS:
        mine = [r for r in results if r["kind"] == kind and r["rows"] == rows]
        theirs = [r for r in results if r["kind"] == base and r["rows"] == rows]
        if not mine or not theirs:
            continue
        product = min(r["seconds"] for r in mine)
        baseline = min(r["seconds"] for r in theirs)
        lines.append(
            f"{label} product={product:.2f}s baseline={baseline:.2f}s "
            f"ratio={product / baseline:.2f}"
        )
    for label, kind, base in PAIRS:  # CPU (worker + its PostgreSQL backend): load moves it less
        cpu = [r["cpu"] for r in results if r["kind"] == kind and r["rows"] == rows]
        base_cpu = [r["cpu"] for r in results if r["kind"] == base and r["rows"] == rows]
        if cpu and base_cpu and min(base_cpu) > 0:
            lines.append(
                f"# {label} cpu product={min(cpu):.2f}s baseline={min(base_cpu):.2f}s "
                f"ratio={min(cpu) / min(base_cpu):.2f}"
            )
    for r in results:
        lines.append(
            f"# {LABELS[r['kind']]}: {r['rows']:,} rows {r['seconds']:.2f}s cpu {r['cpu']:.2f}s "
            f"peak RSS {r['peak_mib']:.1f} MiB (growth {r['peak_mib'] - r['start_mib']:+.1f})"
        )
    lines += [f"# {line}" for line in growth(results).splitlines()]
    return lines


def run(rows: int = 100_000) -> list[str]:
    """P5a (CSV against COPY) and P5b (XLSX against raw XlsxWriter) at `rows` applications.

    Each side runs in its own process, baseline then product; both sizes (`rows` and a tenth,
    for peak memory) once, then the big pairs again while the time budget allows, and each
    figure takes the best time of its side. Bounded: RUN_BUDGET overall, RUN_TIMEOUT each.
    """
    began = time.monotonic()
    small = max(1, rows // 10)
    with postgres_database() as url, tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        big_id, small_id = seed.load(engine, [rows, small])
        engine.dispose()
        results: list[dict[str, Any]] = []

        def measure(kind: str, vacancy_id: int) -> float:
            out = Path(scratch) / f"{kind}-{vacancy_id}-{len(results)}"
            started = time.monotonic()
            results.append(child.run(kind, url, vacancy_id, out, timeout=RUN_TIMEOUT))
            return time.monotonic() - started

        took = {kind: measure(kind, big_id) for kind in KINDS}
        for kind in ("csv", "xlsx"):
            measure(kind, small_id)
        for _, kind, base in PAIRS:  # a second pair where there is time for one
            if time.monotonic() - began + 1.5 * (took[kind] + took[base]) < RUN_BUDGET:
                measure(base, big_id)
                measure(kind, big_id)
    return figure_lines(results, rows)


def main(argv: list[str] | None = None) -> None:
    """Load, measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="applications (default 100000)")
    parser.add_argument(
        "--timeout", type=float, default=240, help="seconds allowed for each measurement"
    )
    args = parser.parse_args(argv)
    sizes = [args.rows, max(1, args.rows // 10)]
    with postgres_database() as url, tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        started = time.perf_counter()
        vacancies = seed.load(engine, sizes)
        engine.dispose()
        print(
            f"loaded {sum(sizes):,} applications ({sizes[0]:,} + {sizes[1]:,}) in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        results = []
        for vacancy_id in vacancies:
            for kind in KINDS:
                out = Path(scratch) / f"{kind}-{vacancy_id}"
                result = child.run(kind, url, vacancy_id, out, timeout=args.timeout)
                print(
                    f"  {LABELS[kind]:<28} {result['rows']:>8,} rows  {result['seconds']:7.2f} s  "
                    f"peak {result['peak_mib']:6.1f} MiB",
                    flush=True,
                )
                results.append(result)
    print()
    print(table(results))
    print()
    print(growth(results))
    print()
    print("\n".join(line for line in figure_lines(results, args.rows) if not line.startswith("#")))


if __name__ == "__main__":
    main(sys.argv[1:])
