"""Exports stream: a worker's peak memory does not grow with the number of rows it exports.

Each export is built in its own process (as a worker would), once for a vacancy with SMALL
applications and once for one with ten times as many; the peak RSS of the two must be within
MARGIN_MIB of each other. This asserts memory, never time: speed lives in bench/.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask

from bench import child, seed
from recruit.extensions import db

SMALL = 1_500
BIG = 15_000
# Building the whole workbook (or list of rows) in memory costs tens of MiB more at BIG rows;
# streaming costs the same few MiB at any size.
MARGIN_MIB = 15
CHILD_TIMEOUT = 120


def test_peak_memory_of_an_export_does_not_grow_with_rows(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        big_id, small_id = seed.load(db.engine, [BIG, SMALL])
        url = str(app.config["DATABASE_URL"])
        db.session.remove()

    runs = [(kind, vacancy_id) for kind in ("csv", "xlsx") for vacancy_id in (small_id, big_id)]

    def measure(run: tuple[str, int]) -> dict[str, Any]:
        kind, vacancy_id = run
        return child.run(kind, url, vacancy_id, tmp_path / f"{kind}-{vacancy_id}", CHILD_TIMEOUT)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(runs, pool.map(measure, runs), strict=True))

    for kind in ("csv", "xlsx"):
        small, big = results[(kind, small_id)], results[(kind, big_id)]
        assert (small["rows"], big["rows"]) == (SMALL, BIG)
        assert big["bytes"] > 5 * small["bytes"], (kind, small["bytes"], big["bytes"])
        grew = big["peak_mib"] - small["peak_mib"]
        print(f"{kind}: {small['peak_mib']:.1f} MiB at {SMALL}, {big['peak_mib']:.1f} at {BIG}")
        assert grew <= MARGIN_MIB, (
            f"{kind}: peak RSS {small['peak_mib']:.1f} MiB at {SMALL} rows but "
            f"{big['peak_mib']:.1f} MiB at {BIG} rows (+{grew:.1f} MiB)"
        )
