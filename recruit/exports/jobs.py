"""Export jobs: request, claim, build, finish, expire, and the audit of downloads.

Nothing here commits: the view or task that calls it owns the transaction. Progress is the one
exception by design: it is written on its own short connection so the page can show it live
while the build's long read continues.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, Final, TypeVar

from flask import current_app
from sqlalchemy import or_, select, update

from recruit.exports import pack, pgstream, rows, writers
from recruit.extensions import db
from recruit.models import User, Vacancy, db_now, utcnow
from recruit.models.export import (
    BuiltFileJob,
    ExportDownload,
    ExportFormat,
    ExportJob,
    ExportStatus,
)
from recruit.notifications import catalog
from recruit.webhooks import events as webhook_events

# A building job untouched for longer than a task may run belonged to a worker that died. The
# default (EXPORT_STALE_SECONDS) exceeds the task's 15 min hard time limit, so a live build is
# never taken from its worker; fault tests shorten it.
STALE_AFTER: Final = timedelta(minutes=16)
SCRATCH_PREFIX: Final = ".build-"
# Any job built into a file in EXPORT_DIR (exports, equality reports) shares this module's
# claim, progress, failure and expiry steps.
FileJob = TypeVar("FileJob", bound=BuiltFileJob)
EXTENSIONS: Final = {ExportFormat.CSV: "csv", ExportFormat.XLSX: "xlsx", ExportFormat.PACK: "zip"}
SELECTION_LABELS: Final = {
    "shortlist": "Shortlist",
    "longlist": "Longlist",
    "all": "All applications",
}


class ExportError(ValueError):
    """A request the export rules refuse; the message is fit to show the user."""


def export_dir() -> Path:
    """Where finished exports live (outside any served folder)."""
    folder = Path(current_app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stale_after() -> timedelta:
    """How long a `building` job may go unfinished before another worker may take it over."""
    seconds = current_app.config.get("EXPORT_STALE_SECONDS")
    return STALE_AFTER if seconds is None else timedelta(seconds=float(seconds))


def selection(which: str, stage: str | None) -> dict[str, Any]:
    """What an export covers: "all", the shortlist or the longlist, and optionally one stage."""
    return {"list": None if which == "all" else which, "statuses": [stage] if stage else []}


def progress_counts(job: ExportJob) -> dict[str, int]:
    """Rows written of rows to write, and the percentage shown: the share done while building,
    100 once ready, 0 otherwise."""
    total = job.progress_total or 0
    done = min(job.progress_done or 0, total)
    share = done * 100 // total if total else 0
    if job.status is ExportStatus.BUILDING:
        percent = share
    else:
        percent = 100 if job.status is ExportStatus.READY else 0
    return {"done": done, "total": total, "percent": percent}


def request_export(
    vacancy: Vacancy, user: User, fmt: ExportFormat, selection: dict[str, Any]
) -> ExportJob:
    """Record an export job; the after-commit relay hands it to a worker."""
    if selection.get("list") not in (None, "shortlist", "longlist"):
        raise ExportError("Choose which applications to export")
    job = ExportJob(
        vacancy_id=vacancy.id,
        requested_by_id=user.id,
        format=fmt,
        selection=selection,
        status=ExportStatus.QUEUED,
    )
    db.session.add(job)
    return job


def claim_job(model: type[FileJob], job_id: int) -> FileJob | None:
    """Take a queued job (or a stale build) of this kind for this worker, or None if another
    has it or it is finished."""
    result = db.session.execute(
        update(model)
        .where(
            model.id == job_id,
            or_(
                model.status == ExportStatus.QUEUED,
                (model.status == ExportStatus.BUILDING)
                & (model.claimed_at < utcnow() - stale_after()),
            ),
        )
        .values(
            status=ExportStatus.BUILDING,
            claimed_at=db_now(),
            attempts=model.attempts + 1,
            progress_done=0,
            error=None,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(model, job_id, populate_existing=True)


def claim(job_id: int) -> ExportJob | None:
    """Take the job for this worker, or None if another has it or it is finished."""
    return claim_job(ExportJob, job_id)


def store_progress(model: type[FileJob], job_id: int, **values: int) -> None:
    """Write progress counts on a short connection of its own, so the page sees them live."""
    with db.engine.begin() as conn:
        conn.execute(update(model).where(model.id == job_id).values(**values))


def progress_writer(job_id: int, total: int) -> Callable[[int], None]:
    """A callback that records 'n of total' about a hundred times over the build.

    It may be called for every row or once per batch: it writes when `done` reaches the next
    hundredth (or the total), so the cost is the same either way.
    """
    step = max(1, total // 100)
    next_at = step

    def report(done: int) -> None:
        nonlocal next_at
        if done >= next_at or done == total:
            store_progress(ExportJob, job_id, progress_done=done)
            next_at = done - done % step + step

    return report


def final_path(job: ExportJob) -> Path:
    """One file per job: a rebuild after a crash replaces it rather than adding another."""
    return export_dir() / f"export-{job.id}.{EXTENSIONS[job.format]}"


def build(job: ExportJob) -> Path:
    """Write the export to a temporary file, then move it into place atomically."""
    vacancy = db.session.get(Vacancy, job.vacancy_id)
    assert vacancy is not None
    criteria = rows.criteria_of(vacancy.id)
    total = rows.count_rows(vacancy.id, job.selection)
    store_progress(ExportJob, job.id, progress_total=total)
    report = progress_writer(job.id, total)
    target = final_path(job)
    # The claim is ours alone, so scratch left by this job's dead worker can go.
    mine = f"{SCRATCH_PREFIX}{job.id}-"
    remove_scratch(mine)
    with tempfile.TemporaryDirectory(dir=export_dir(), prefix=mine) as scratch:
        work = Path(scratch)
        produced = _produce(job, vacancy, criteria, work, (report, total))
        os.replace(produced, target)
    return target


def remove_scratch(prefix: str = SCRATCH_PREFIX, older_than: float = 0.0) -> int:
    """Delete build folders a killed worker left behind, if untouched for `older_than` s."""
    removed = 0
    for folder in export_dir().glob(f"{prefix}*"):
        try:
            if time.time() - folder.stat().st_mtime >= older_than:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except FileNotFoundError:  # another worker's build finished and tidied it meanwhile
            continue
    return removed


def _produce(
    job: ExportJob,
    vacancy: Vacancy,
    criteria: list[Any],
    work: Path,
    progress: tuple[Callable[[int], None], int],
) -> Path:
    def fresh() -> Any:
        return rows.iter_rows(vacancy.id, job.selection, criteria)

    report, total = progress
    # On PostgreSQL the database computes the cells (pgstream); the rows path serves SQLite and
    # the PDF. Both give the same file.
    fast = pgstream.supported(db.session.connection())
    if job.format is ExportFormat.CSV:
        out = work / "out.csv"
        if fast:
            pgstream.write_csv(out, vacancy.id, job.selection, criteria, report)
        else:
            writers.write_csv(out, fresh(), criteria, report)
        return out
    xlsx = work / "candidates.xlsx"
    # A pack is three passes over the rows (sheet, PDF, ZIP); each reports a third of the bar.
    steps = 1 if job.format is ExportFormat.XLSX else 3
    if fast:
        pgstream.write_xlsx(
            xlsx, vacancy.id, job.selection, criteria, phase(report, 0, steps, total)
        )
    else:
        writers.write_xlsx(xlsx, fresh(), criteria, phase(report, 0, steps, total))
    if job.format is ExportFormat.XLSX:
        return xlsx
    pdf = work / "panel-pack.pdf"
    font = current_app.config.get("PDF_FONT_PATH")
    pack.write_pdf(pdf, fresh(), vacancy, criteria, font, phase(report, 1, steps, total))
    out = work / "pack.zip"
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    pack.write_zip(out, xlsx, pdf, fresh(), upload_dir, phase(report, 2, steps, total))
    return out


def phase(
    report: Callable[[int], None], index: int, steps: int, total: int
) -> Callable[[int], None]:
    """Progress of pass `index` of `steps` over the same `total` rows, as one rising count."""
    if steps == 1:
        return report
    return lambda n: report((index * total + min(n, total)) // steps)


def download_name(job: ExportJob, vacancy: Vacancy) -> str:
    """A readable file name, e.g. ME-2026-0004-shortlist-pack.zip."""
    which = job.selection.get("list") or "all"
    kind = {ExportFormat.CSV: "", ExportFormat.XLSX: "", ExportFormat.PACK: "-pack"}[job.format]
    return f"{vacancy.reference}-{which}{kind}.{EXTENSIONS[job.format]}"


def finish(job: ExportJob, path: Path) -> None:
    """Mark the job ready, set its expiry and email the recruiter the link."""
    vacancy = db.session.get(Vacancy, job.vacancy_id)
    assert vacancy is not None
    hours = int(current_app.config["EXPORT_TTL_HOURS"])
    job.status = ExportStatus.READY
    job.storage_key = path.name
    job.file_name = download_name(job, vacancy)
    job.size_bytes = path.stat().st_size
    job.finished_at = utcnow()
    job.expires_at = utcnow() + timedelta(hours=hours)
    requester = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    if requester is not None:
        catalog.export_ready(job, vacancy, requester, hours)
    webhook_events.export_ready(job)


def fail(job: FileJob, error: str) -> None:
    """Record why the build failed; the page shows it."""
    job.status = ExportStatus.FAILED
    job.error = error[:2000]
    job.finished_at = utcnow()


def due_for_sweep(older_than: timedelta) -> list[int]:
    """Queued jobs never picked up, and building jobs whose worker died."""
    query = select(ExportJob.id).where(
        or_(
            (ExportJob.status == ExportStatus.QUEUED)
            & (ExportJob.created_at < utcnow() - older_than),
            (ExportJob.status == ExportStatus.BUILDING)
            & (ExportJob.claimed_at < utcnow() - stale_after()),
        )
    )
    return list(db.session.scalars(query))


def expire_files(model: type[FileJob]) -> int:
    """Delete the files of this kind's jobs past their expiry and mark them expired; return
    how many. The caller commits."""
    expired = db.session.scalars(
        select(model).where(model.status == ExportStatus.READY, model.expires_at <= utcnow())
    ).all()
    for job in expired:
        if job.storage_key:
            (export_dir() / job.storage_key).unlink(missing_ok=True)
        job.status = ExportStatus.EXPIRED
        job.storage_key = None
    return len(expired)


def purge_expired() -> int:
    """Delete the files of expired exports and mark them expired; return how many.

    Build folders older than a task may run are deleted too: their worker was killed.
    """
    remove_scratch(older_than=max(stale_after(), STALE_AFTER).total_seconds())
    return expire_files(ExportJob)


def record_download(job: ExportJob, user: User, client: str) -> None:
    """Audit one download of personal data."""
    db.session.add(ExportDownload(export_id=job.id, user_id=user.id, client_address=client[:64]))
