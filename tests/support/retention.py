"""A world for the retention purge: a closed vacancy whose applications carry marked personal data.

Every piece of personal data the world writes (names, emails, statements, evidence, comments,
notes, reveal reasons, CV and export contents) carries a marker, so a test can assert that a
receipt or a page holds none of it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from recruit.extensions import db
from recruit.models import (
    AgreedScore,
    Application,
    ApplicationNote,
    ApplicationStatus,
    CriterionEvidence,
    IdentityReveal,
    Score,
    StatusChange,
    StoredFile,
    Vacancy,
    VacancyStatus,
    utcnow,
)
from recruit.privacy.retention import add_months
from testkit.documents import pdf_bytes
from testkit.factories import Factory

S = ApplicationStatus
PURGED_STATUSES = (S.UNSUCCESSFUL, S.WITHDRAWN, S.DRAFT, S.INTERVIEW)
APPLICATION_TABLES = (
    CriterionEvidence,
    StatusChange,
    Score,
    AgreedScore,
    ApplicationNote,
    IdentityReveal,
)


@dataclass
class Clock:
    """A stopped clock for the purge: `now` moves only when the test says so."""

    now: datetime

    def advance(self, **delta: float) -> datetime:
        """Let time pass (`advance(seconds=1)`) and return the new now."""
        self.now += timedelta(**delta)
        return self.now


@dataclass
class PurgeWorld:
    """What `build_purge_world` made, by the names the tests check."""

    vacancy_id: int
    reference: str
    due_at: datetime
    purged_ids: list[int]
    appointed_id: int
    held_vacancy_id: int
    held_application_id: int
    longer_vacancy_id: int
    open_application_id: int
    export_id: int
    other_export_id: int
    purged_files: list[Path]
    kept_files: list[Path]
    markers: list[str] = field(default_factory=list)


def closed_vacancy(
    make: Factory, recruiter_id: int, closed_ago: timedelta, **fields: Any
) -> tuple[int, str, datetime]:
    """A vacancy whose applications closed `closed_ago` before now; its id, reference, close."""
    vacancy = make.vacancy(
        status=VacancyStatus.CLOSED,
        closes_in=-closed_ago,
        recruiter_ids=(recruiter_id,),
        **fields,
    )
    with make.app.app_context():
        row = db.session.get(Vacancy, vacancy.id)
        assert row is not None
        row.closed_at = row.closes_at + timedelta(minutes=1)  # as the closing job records it
        db.session.commit()
        return vacancy.id, vacancy.reference, row.applications_closed_at


def _marked_application(
    make: Factory, vacancy_id: int, status: ApplicationStatus, nonce: str, markers: list[str]
) -> int:
    label = f"{status.value}-{nonce}"
    name, email = f"Marker Person {label}", f"marker.{label}@example.org"
    statement = f"STATEMENT-MARKER-{label}"
    candidate = make.candidate(full_name=name, email=email)
    application = make.application(candidate.id, vacancy_id, status, statement=statement)
    markers.extend([name, email, statement])
    return int(application.id)


def _add_sift_rows(
    app: Flask, application_id: int, assessor_id: int, nonce: str, markers: list[str]
) -> None:
    comment, note, reason = (f"{kind}-MARKER-{nonce}" for kind in ("COMMENT", "NOTE", "REVEAL"))
    with app.app_context():
        application = db.session.get(Application, application_id)
        assert application is not None
        criterion_id = application.evidence[0].criterion_id
        markers.extend(e.text for e in application.evidence)
        db.session.add_all(
            [
                Score(
                    application_id=application_id,
                    criterion_id=criterion_id,
                    assessor_id=assessor_id,
                    score=2,
                    comment=comment,
                    submitted_at=utcnow(),
                ),
                AgreedScore(application_id=application_id, criterion_id=criterion_id, score=2),
                ApplicationNote(application_id=application_id, author_id=assessor_id, body=note),
                IdentityReveal(
                    application_id=application_id, revealed_by_id=assessor_id, reason=reason
                ),
            ]
        )
        db.session.commit()
    markers.extend([comment, note, reason])


def _cv(app: Flask, make: Factory, application_id: int, text: str) -> Path:
    stored = make.cv(application_id, pdf_bytes(text))
    return Path(app.config["UPLOAD_DIR"]) / str(stored.storage_key)


def build_purge_world(app: Flask, make: Factory, closed_ago: timedelta) -> PurgeWorld:
    """V: closed `closed_ago` ago, 6 months' retention, with applications of every kind.

    Also H (same dates, on legal hold), L (same dates, 12 months' retention) and O (open),
    each with an unsuccessful application, and an export of V and of O with files on disk.
    """
    nonce = secrets.token_hex(4)
    markers: list[str] = []
    recruiter = make.recruiter()
    vacancy_id, reference, closed = closed_vacancy(make, recruiter.id, closed_ago)
    purged = [_marked_application(make, vacancy_id, s, nonce, markers) for s in PURGED_STATUSES]
    appointed = _marked_application(make, vacancy_id, S.APPOINTED, nonce, markers)
    _add_sift_rows(app, purged[0], recruiter.id, nonce, markers)
    _add_sift_rows(app, purged[3], recruiter.id, nonce + "b", markers)
    cv_text = f"CV-MARKER-{nonce}"
    purged_files = [_cv(app, make, purged[0], cv_text), _cv(app, make, purged[1], cv_text + "b")]
    kept_files = [_cv(app, make, appointed, f"Kept CV {nonce}")]
    held_id, _, _ = closed_vacancy(
        make, recruiter.id, closed_ago, legal_hold=True, legal_hold_reason="Tribunal 1/2026"
    )
    held_app = _marked_application(make, held_id, S.UNSUCCESSFUL, nonce + "h", markers)
    longer_id, _, _ = closed_vacancy(make, recruiter.id, closed_ago, retention_months=12)
    _marked_application(make, longer_id, S.UNSUCCESSFUL, nonce + "l", markers)
    open_vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    open_app = _marked_application(make, open_vacancy.id, S.UNSUCCESSFUL, nonce + "o", markers)
    export = make.export(vacancy_id, recruiter.id)
    other = make.export(open_vacancy.id, recruiter.id)
    folder = Path(app.config["EXPORT_DIR"])
    purged_files.append(folder / export.storage_key)
    kept_files.append(folder / other.storage_key)
    markers.append(cv_text)
    return PurgeWorld(
        vacancy_id=vacancy_id,
        reference=reference,
        due_at=add_months(closed, 6),
        purged_ids=purged,
        appointed_id=appointed,
        held_vacancy_id=held_id,
        held_application_id=held_app,
        longer_vacancy_id=longer_id,
        open_application_id=open_app,
        export_id=export.id,
        other_export_id=other.id,
        purged_files=purged_files,
        kept_files=kept_files,
        markers=markers,
    )


def rows_about(app: Flask, application_ids: list[int]) -> dict[str, int]:
    """How many rows each application table holds for these applications."""
    with app.app_context():
        counts = {
            "applications": db.session.scalar(
                select(func.count())
                .select_from(Application)
                .where(Application.id.in_(application_ids))
            ),
            **{
                model.__tablename__: db.session.scalar(
                    select(func.count())
                    .select_from(model)
                    .where(model.application_id.in_(application_ids))
                )
                for model in APPLICATION_TABLES
            },
        }
        db.session.rollback()
        return {name: int(count or 0) for name, count in counts.items()}


def stored_file_count(app: Flask) -> int:
    """How many StoredFile rows there are."""
    with app.app_context():
        count = db.session.scalar(select(func.count(StoredFile.id)))
        db.session.rollback()
        return int(count or 0)
