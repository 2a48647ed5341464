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

KINDS = ("copy", "csv", "xlsx")
LABELS = {"copy": "COPY ... TO STDOUT WITH CSV", "csv": "our CSV export", "xlsx": "our XLSX export"}


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
        runs = sorted((r for r in results if r["kind"] == kind), key=lambda r: r["rows"])
        if len(runs) == 2:
            small, big = runs
            lines.append(
                f"{kind}: peak RSS {small['peak_mib']:.1f} MiB at {small['rows']:,} rows, "
                f"{big['peak_mib']:.1f} MiB at {big['rows']:,} rows "
                f"({big['peak_mib'] - small['peak_mib']:+.1f} MiB for "
                f"{big['rows'] / small['rows']:.0f}× the rows)"
            )
    return "\n".join(lines)


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


if __name__ == "__main__":
    main(sys.argv[1:])
