"""Deleting applications' personal data, leaving anonymous counts (retention and erasure)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from recruit.exports.jobs import export_dir
from recruit.extensions import db
from recruit.models import (
    AgreedScore,
    Application,
    ApplicationNote,
    AuditEvent,
    CriterionEvidence,
    ExportJob,
    ExportStatus,
    IdentityReveal,
    OutboxMessage,
    OutcomeTally,
    Score,
    StatusChange,
    StoredFile,
    User,
)
from recruit.monitoring.retention import fold_into_tallies
from recruit.uploads import path_for

log = logging.getLogger(__name__)

# Applications purged per round of statements: each statement binds one parameter per id.
CHUNK: Final = 500

# The rows that hang off an application, by the name a receipt counts them under. Every one
# goes with the application through its foreign key's ON DELETE CASCADE.
DEPENDENT_ROWS: Final[dict[str, Any]] = {
    "evidence": CriterionEvidence,
    "status_changes": StatusChange,
    "scores": Score,
    "agreed_scores": AgreedScore,
    "notes": ApplicationNote,
    "identity_reveals": IdentityReveal,
}


@dataclass
class PurgeResult:
    """What a purge removed: counts for the receipt, and files to delete after the commit."""

    applications: int = 0
    files: list[Path] = field(default_factory=list)
    # Rows and files removed, by kind (see DEPENDENT_ROWS, plus cv_files and exports).
    counts: dict[str, int] = field(default_factory=dict)
    # The purged applications' statuses: {"unsuccessful": 2, "withdrawn": 1}.
    outcomes: dict[str, int] = field(default_factory=dict)
    # Traces outside the application's own rows (see `_forget_traces`), for the log.
    emails_deleted: int = 0
    audit_events_anonymised: int = 0


def purge_applications(applications: Sequence[Application], reason: str) -> PurgeResult:
    """Delete `applications` and everything about them, in the caller's transaction.

    Folds their outcomes (and, through `recruit.monitoring.retention`, their monitoring
    answers) into anonymous per-vacancy tallies first. The caller deletes `files` from disk
    after its commit, so a rollback never leaves rows pointing at deleted files. The
    applications are detached from the session afterwards.

    Finished exports of the applications' vacancies are purged too (their files may hold the
    applications' data). An export being built at this moment is not stopped: callers that can
    wait should first check `building_exports` and come back later. So are the traces the
    applications leave elsewhere (`_forget_traces`): emails to the candidates about them, and
    what the audit trail says about whom.
    """
    if not applications:
        return PurgeResult()
    if len(applications) > CHUNK:
        # Every statement below lists the ids: keep each list within every driver's limits.
        parts = [applications[i : i + CHUNK] for i in range(0, len(applications), CHUNK)]
        return _combined([purge_applications(part, reason) for part in parts])
    ids = [a.id for a in applications]
    vacancy_ids = sorted({a.vacancy_id for a in applications})
    outcomes = Counter(a.status.value for a in applications)
    counts = {"applications": len(ids), **_dependent_counts(ids)}
    _add_to_tallies(applications)
    fold_into_tallies(applications)
    cv_files = _cv_files(ids)
    emails, events = _forget_traces(applications)
    for application in applications:
        db.session.expunge(application)  # with its evidence, history and reveals
    # One statement; the database's ON DELETE CASCADE removes every dependent row.
    db.session.execute(
        delete(Application).where(Application.id.in_(ids)),
        execution_options={"synchronize_session": False},
    )
    files = _delete_stored_files(cv_files)
    export_files = _purge_exports(vacancy_ids)
    counts.update(cv_files=len(files), exports=len(export_files))
    log.info(
        "purged %s applications on vacancies %s (%s emails, %s audit events): %s",
        len(ids),
        vacancy_ids,
        emails,
        events,
        reason,
    )
    return PurgeResult(
        applications=len(ids),
        files=files + export_files,
        counts=counts,
        outcomes=dict(sorted(outcomes.items())),
        emails_deleted=emails,
        audit_events_anonymised=events,
    )


def _combined(results: list[PurgeResult]) -> PurgeResult:
    """One result adding up several purges' counts and files."""
    counts: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    for result in results:
        counts.update(result.counts)
        outcomes.update(result.outcomes)
    return PurgeResult(
        applications=sum(r.applications for r in results),
        files=[path for r in results for path in r.files],
        counts=dict(counts),
        outcomes=dict(sorted(outcomes.items())),
        emails_deleted=sum(r.emails_deleted for r in results),
        audit_events_anonymised=sum(r.audit_events_anonymised for r in results),
    )


def _dependent_counts(ids: list[int]) -> dict[str, int]:
    """How many rows of each dependent kind the applications have, for the receipt."""
    return {
        name: int(
            db.session.scalar(
                select(func.count()).select_from(model).where(model.application_id.in_(ids))
            )
            or 0
        )
        for name, model in DEPENDENT_ROWS.items()
    }


def _forget_traces(applications: Sequence[Application]) -> tuple[int, int]:
    """Delete the candidates' emails about the applications; anonymise their audit events.

    Emails: every outbox row, whatever its status, addressed to the candidate's current
    address whose payload's `reference` is the application's (APP-000123: received, status,
    rejection and adjustment emails) or its vacancy's (the draft reminder). A pending one is
    dropped unsent: it would point at an application that no longer exists. Staff emails
    (the recruiter's "new application") name no candidate and are left to the sent-email
    retention sweep (`recruit.privacy.erasure.forget_sent_emails`).

    Audit events about the applications keep their event name, time, actor (staff) and the
    vacancy and application ids, which lead nowhere once the rows are gone; the person
    (`subject_user_id`) and the free text (`detail`: an override's reason, say) are removed.
    Returns (emails deleted, audit events anonymised).
    """
    by_vacancy: dict[tuple[int, str], list[Application]] = {}
    for application in applications:
        key = (application.vacancy_id, application.vacancy.reference)
        by_vacancy.setdefault(key, []).append(application)
    candidate_ids = {a.candidate_id for a in applications}
    # One query for every address, rather than loading each candidate.
    found = db.session.execute(select(User.id, User.email).where(User.id.in_(candidate_ids)))
    address_of = {user_id: email for user_id, email in found}
    emails = 0
    for (_, vacancy_reference), group in sorted(by_vacancy.items()):
        references = [vacancy_reference, *(a.reference for a in group)]
        addresses = sorted({address_of[a.candidate_id].lower() for a in group})
        result = db.session.execute(
            delete(OutboxMessage).where(
                func.lower(OutboxMessage.recipient).in_(addresses),
                OutboxMessage.payload["reference"].as_string().in_(references),
            ),
            execution_options={"synchronize_session": False},
        )
        emails += int(result.rowcount or 0)  # type: ignore[attr-defined]
    events = db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.application_id.in_([a.id for a in applications]))
        .values(subject_user_id=None, detail="")
        .execution_options(synchronize_session=False)
    )
    return emails, int(events.rowcount or 0)  # type: ignore[attr-defined]


def _add_to_tallies(applications: Sequence[Application]) -> None:
    """Add one to the vacancy's tally for each application's status, in one upsert per pair.

    An upsert, not read-then-write: an erasure and a purge on one vacancy may add at once.
    """
    pairs = Counter((a.vacancy_id, a.status) for a in applications)
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for (vacancy_id, status), count in sorted(pairs.items()):
        statement = insert(OutcomeTally).values(vacancy_id=vacancy_id, status=status, count=count)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["vacancy_id", "status"],
                set_={"count": OutcomeTally.count + statement.excluded.count},
            )
        )


def _cv_files(ids: list[int]) -> list[StoredFile]:
    """The stored CV files of these applications."""
    query = select(StoredFile).join(Application, Application.cv_file_id == StoredFile.id)
    return list(db.session.scalars(query.where(Application.id.in_(ids))))


def _delete_stored_files(stored: list[StoredFile]) -> list[Path]:
    """Delete the files' rows; return where their bytes are, for deletion after the commit."""
    paths = [path_for(f) for f in stored]
    if stored:
        db.session.execute(
            delete(StoredFile).where(StoredFile.id.in_([f.id for f in stored])),
            execution_options={"synchronize_session": False},
        )
        for item in stored:
            db.session.expunge(item)
    return paths


def building_exports(vacancy_ids: Sequence[int]) -> int:
    """How many exports of these vacancies a worker is building now."""
    query = select(func.count(ExportJob.id)).where(
        ExportJob.vacancy_id.in_(vacancy_ids), ExportJob.status == ExportStatus.BUILDING
    )
    return int(db.session.scalar(query) or 0)


def _purge_exports(vacancy_ids: list[int]) -> list[Path]:
    """Mark the vacancies' finished exports expired; return their files, to delete after commit."""
    folder = export_dir()
    jobs = db.session.scalars(
        select(ExportJob)
        .where(ExportJob.vacancy_id.in_(vacancy_ids), ExportJob.status == ExportStatus.READY)
        .with_for_update()
    ).all()
    paths = []
    for job in jobs:
        if job.storage_key:
            paths.append(folder / job.storage_key)
        job.status = ExportStatus.EXPIRED
        job.storage_key = None
    return paths


def delete_files(paths: Sequence[Path]) -> int:
    """Delete files a committed purge no longer refers to; return how many were there."""
    removed = 0
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:  # a second run, or the export purge, got there first
            continue
        except OSError as exc:  # the rows are gone already: say so, and carry on with the rest
            log.error("could not delete %s after a purge: %s", path.name, exc.__class__.__name__)
            continue
        removed += 1
    return removed
