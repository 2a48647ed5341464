"""One measurement in its own process, so its peak RSS is its own: prints a JSON line.

Run as ``python -m bench.child KIND URL VACANCY_ID OUT_DIR`` where KIND is ``copy`` or ``rawxlsx``
(the baselines), ``csv`` or ``xlsx``. Reports the seconds the export took (after imports and
set-up), the process's RSS just before it started, and its peak RSS (VmHWM) at the end.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _status_mib(field: str) -> float | None:
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def rss_now_mib() -> float:
    """This process's current resident set size (VmRSS), 0 where /proc is missing."""
    return _status_mib("VmRSS") or 0.0


def peak_mib() -> float:
    """This process's peak resident set size.

    VmHWM, the high-water mark of this process's own address space, rather than ru_maxrss:
    Linux carries the parent's ru_maxrss into a child at exec, so a child started by a big
    parent would report the parent's peak, not its own. ru_maxrss (KiB) where /proc is missing.
    """
    hwm = _status_mib("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_baseline(kind: str, url: str, vacancy_id: int, out: Path) -> dict[str, Any]:
    """A baseline of the same rows: PostgreSQL's COPY ... TO STDOUT WITH CSV (`copy`), or raw
    XlsxWriter writing the XLSX export's cells (`rawxlsx`), streamed to a file."""
    from bench.baseline import copy_to, xlsx_to

    write, path = (copy_to, out / "copy.csv") if kind == "copy" else (xlsx_to, out / "raw.xlsx")
    usage: dict[str, float] = {}
    start_rss = rss_now_mib()
    cpu, started = time.process_time(), time.perf_counter()
    rows = write(url, vacancy_id, path, usage)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if kind == "copy":  # copy_to gives bytes: count the file's lines, after the clock
        with path.open("rb") as lines:
            rows = sum(1 for _ in lines) - 1  # bar the header
    return {
        "seconds": seconds,
        "cpu": cpu + usage.get("server_cpu", 0.0),
        "start_mib": start_rss,
        "rows": rows,
        "bytes": path.stat().st_size,
    }


def measure_export(kind: str, url: str, vacancy_id: int, out: Path) -> dict[str, Any]:
    """Our worker's build of an ExportJob (CSV or XLSX) for the vacancy, as the task runs it."""
    from sqlalchemy import insert

    from bench.baseline import server_cpu
    from recruit import create_app
    from recruit.exports import jobs
    from recruit.extensions import db
    from recruit.models import ExportFormat, ExportJob, ExportStatus

    app = create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "INSTANCE_PATH": str(out / "instance"),
            "EXPORT_DIR": str(out / "exports"),
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            # No broker or mail server: whatever the environment says, nothing leaves the run.
            "REDIS_URL": None,
            "SMTP_URL": None,
        }
    )
    with app.app_context():
        # A core insert, so the after-commit relay does not hand the job to a worker: this
        # process builds it, the way the build task does once it has claimed the job.
        job_id = db.session.execute(
            insert(ExportJob)
            .values(
                vacancy_id=vacancy_id,
                requested_by_id=None,
                format=ExportFormat(kind),
                selection={},
                status=ExportStatus.BUILDING,
            )
            .returning(ExportJob.id)
        ).scalar_one()
        db.session.commit()
        job = db.session.get(ExportJob, job_id)
        assert job is not None
        driver = db.session.connection().connection.driver_connection
        server = server_cpu(driver)
        start_rss = rss_now_mib()
        cpu, started = time.process_time(), time.perf_counter()
        path = jobs.build(job)
        server = server_cpu(driver) - server  # before commit hands the connection back
        db.session.commit()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        rows = job.progress_total
        size = path.stat().st_size
        db.session.remove()
        db.engine.dispose()
    return {
        "seconds": seconds,
        "cpu": cpu + server,
        "start_mib": start_rss,
        "rows": rows,
        "bytes": size,
    }


def run(kind: str, url: str, vacancy_id: int, out: Path, timeout: float = 300) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its figures."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "bench.child", kind, url, str(vacancy_id), str(out)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.child {kind} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> None:
    """Measure one export and print its figures as JSON."""
    kind, url, vacancy, out = argv[0], argv[1], int(argv[2]), Path(argv[3])
    out.mkdir(parents=True, exist_ok=True)
    if kind in ("copy", "rawxlsx"):
        result = measure_baseline(kind, url, vacancy, out)
    else:
        result = measure_export(kind, url, vacancy, out)
    result.update(kind=kind, peak_mib=peak_mib())
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
