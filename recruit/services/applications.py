"""A candidate's applications: start, save a draft before closing; a submit's refusal and emails."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.datastructures import FileStorage

from recruit.extensions import db
from recruit.formatting import uk_datetime
from recruit.models import (
    Application,
    ApplicationStatus,
    CriterionEvidence,
    StoredFile,
    Vacancy,
    utcnow,
)
from recruit.notifications import catalog
from recruit.services.vacancy_search import is_open
from recruit.uploads import CheckedUpload, discard, store_upload
from recruit.webhooks import events as webhook_events


class ApplicationClosedError(Exception):
    """The vacancy no longer accepts changes, or the application is no longer a draft."""


class AlreadySubmittedError(ApplicationClosedError):
    """Another request (a second click, another tab) submitted or withdrew it first."""


@dataclass(frozen=True)
class Answers:
    """What the candidate entered on the application form."""

    statement: str
    evidence: dict[int, str] = field(default_factory=dict)
    cv: tuple[FileStorage, CheckedUpload] | None = None


# What GOV.UK Frontend's character count takes for a word: a run of characters outside
# JavaScript's `\s` (ASCII and Unicode spaces, line and paragraph separators, no-break spaces,
# the byte order mark). Counting the same way, the server and the live counter always agree.
_WORD = re.compile(r"[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")


def word_count(text: str) -> int:
    """Words as the server counts them, as the page's live counter does: see `_WORD`."""
    return sum(1 for _ in _WORD.finditer(text))


def closed_message(vacancy: Vacancy) -> str:
    """What a candidate is told when the deadline has passed."""
    return (
        f"This vacancy closed at {uk_datetime(vacancy.applications_closed_at)}. "
        "Applications can no longer be changed or submitted."
    )


def owned(application_id: int, candidate_id: int, *, lock: bool = False) -> Application | None:
    """The candidate's own application with this id; None for anybody else's."""
    stmt = select(Application).where(
        Application.id == application_id, Application.candidate_id == candidate_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return db.session.scalar(stmt)


def find_for_vacancy(vacancy_id: int, candidate_id: int) -> Application | None:
    """The candidate's application to this vacancy, if they have started one."""
    return db.session.scalar(
        select(Application).where(
            Application.vacancy_id == vacancy_id, Application.candidate_id == candidate_id
        )
    )


def list_for_candidate(candidate_id: int) -> list[Application]:
    """Every application the candidate has, newest first."""
    return list(
        db.session.scalars(
            select(Application)
            .where(Application.candidate_id == candidate_id)
            .options(joinedload(Application.vacancy))
            .order_by(Application.created_at.desc(), Application.id.desc())
        )
    )


def load_detail(application_id: int, candidate_id: int) -> Application | None:
    """The candidate's application with what its page shows loaded up front."""
    return db.session.scalar(
        select(Application)
        .where(Application.id == application_id, Application.candidate_id == candidate_id)
        .options(
            joinedload(Application.vacancy),
            joinedload(Application.cv_file),
            selectinload(Application.evidence),
            selectinload(Application.history),
        )
    )


def start(vacancy_id: int, candidate_id: int) -> Application:
    """The candidate's draft for this vacancy, created if needed; a concurrent twin is reused."""
    existing = find_for_vacancy(vacancy_id, candidate_id)
    if existing is not None:
        return existing
    # A double click can race us here. ON CONFLICT lets the unique constraint pick the winner
    # without a savepoint: pysqlite commits a SAVEPOINT released outside an explicit BEGIN.
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    db.session.execute(
        insert(Application)
        .values(
            vacancy_id=vacancy_id,
            candidate_id=candidate_id,
            status=ApplicationStatus.DRAFT,
            statement="",
        )
        .on_conflict_do_nothing(index_elements=["vacancy_id", "candidate_id"])
    )
    created = find_for_vacancy(vacancy_id, candidate_id)
    if created is None:
        raise RuntimeError("the application was deleted while it was being started")
    return created


def _claim(application: Application, received_at: datetime | None, **values: Any) -> None:
    """Update a draft only if its vacancy was open when the change was received, or refuse."""
    vacancy_open = exists().where(Vacancy.id == application.vacancy_id, is_open(received_at))
    stmt = (
        update(Application)
        .where(
            Application.id == application.id,
            Application.status == ApplicationStatus.DRAFT,
            vacancy_open,
        )
        .values(**values)
    )
    result = db.session.execute(stmt, execution_options={"synchronize_session": False})
    if cast(CursorResult[Any], result).rowcount == 1:
        return
    raise refusal(application)


def refusal(application: Application) -> ApplicationClosedError:
    """Why a guarded write to the draft wrote nothing, by the status it has now (one SELECT).

    Still a draft: the vacancy was not open when the request was received. Submitted, withdrawn
    or gone: another request (a second click, another tab) came first.
    """
    status = db.session.scalar(select(Application.status).where(Application.id == application.id))
    if status is ApplicationStatus.DRAFT:
        return ApplicationClosedError(closed_message(application.vacancy))
    return AlreadySubmittedError("This application has already been submitted or withdrawn")


def _write_answers(application: Application, answers: Answers) -> None:
    application.statement = answers.statement
    existing = {item.criterion_id: item for item in application.evidence}
    for criterion in application.vacancy.criteria:
        text = answers.evidence.get(criterion.id, "")
        if criterion.id in existing:
            existing[criterion.id].text = text
        elif text:
            application.evidence.append(CriterionEvidence(criterion_id=criterion.id, text=text))
    if answers.cv is not None:
        upload, checked = answers.cv
        previous: StoredFile | None = application.cv_file
        application.cv_file = store_upload(upload, checked, application.candidate_id)
        if previous is not None:
            discard(previous)


def save_draft(
    application: Application, answers: Answers, received_at: datetime | None = None
) -> None:
    """Save the answers on a draft; raises ApplicationClosedError if received after closing.

    `received_at` is the database clock when the request arrived (recruit.web.receipt); None
    judges by the database clock now.
    """
    db.session.flush()
    _claim(application, received_at, updated_at=utcnow())
    _write_answers(application, answers)


def notify_submitted(application: Application) -> None:
    """Queue the candidate's confirmation, an email to each of the vacancy's recruiters and,
    if an endpoint wants it, the `application.submitted` webhook (in the same outbox INSERT)."""
    catalog.application_received(application)
    for recruiter in application.vacancy.recruiters:
        catalog.new_application(application, recruiter)
    webhook_events.application_submitted(application)
