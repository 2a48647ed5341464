"""The closing-time hot path: the application form's one read, and a first submit's few writes.

Most of a closing-time crowd submits in one go, with no draft saved before. Such a submit is
one SELECT (the vacancy, its criteria and recruiters, whether it was open at the receipt, the
candidate's application if any, and their upload allowance) and then one INSERT per table: the
CV's row, the application (created already submitted), the evidence (one multi-row statement),
its history, and the outbox rows (one multi-row statement, when the view commits). Statements
are built once, at import, and run with parameters, so a request pays for neither building nor
compiling them. A submit that follows a draft takes the guarded UPDATE in
`recruit.services.applications`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, NoReturn, cast

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    Row,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    inspect,
    null,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    CriterionEvidence,
    StatusChange,
    User,
    UTCDateTime,
    Vacancy,
    db_now,
    utcnow,
)
from recruit.models.application import new_candidate_number
from recruit.services.applications import Answers, notify_submitted, refusal
from recruit.services.vacancy_search import PUBLIC_STATUSES, open_at
from recruit.uploads import insert_upload, stored_bytes_query

_APPLICATIONS: Final = cast(Table, Application.__table__)
# The attribute of Application behind each column the guarded INSERT returns.
_ATTRIBUTES: Final = {
    column.key: inspect(Application).get_property_by_column(column).key
    for column in _APPLICATIONS.c
}
_EVIDENCE: Final = cast(Table, CriterionEvidence.__table__)
_HISTORY: Final = cast(Table, StatusChange.__table__)

# When the request was received (recruit.web.receipt), or the database clock if that is not
# known: `db_moment(at)` as a parameter, so that one statement serves both.
_RECEIVED: Final[ColumnElement[datetime]] = func.coalesce(
    bindparam("received_at", type_=UTCDateTime()), db_now(), type_=UTCDateTime()
)
# `vacancy_search.is_open(at)`, with `at` bound when the statement runs.
_OPEN: Final = open_at(_RECEIVED)


@dataclass(frozen=True)
class ApplyForm:
    """What the application form needs, read in one query: see `for_apply_form`."""

    vacancy: Vacancy
    is_open: bool
    application: Application | None
    # What the candidate has stored already, when it was asked for (a posted form).
    stored_bytes: int | None


def _form_query(posted: bool, submitting: bool) -> Any:
    candidate = bindparam("candidate_id", type_=Integer)
    mine = and_(Application.vacancy_id == Vacancy.id, Application.candidate_id == candidate)
    stored = stored_bytes_query(candidate) if posted else null()
    statement = (
        select(Vacancy, _OPEN, Application, stored)
        .outerjoin(Application, mine)
        .where(Vacancy.reference == bindparam("reference"), Vacancy.status.in_(PUBLIC_STATUSES))
        .options(
            joinedload(Vacancy.criteria),
            joinedload(Application.cv_file),
            # Only a draft has evidence: no query at all for a first submit.
            selectinload(Application.evidence),
        )
    )
    # Whom a submit emails; a join, not a second query (criteria x recruiters rows).
    return statement.options(joinedload(Vacancy.recruiters)) if submitting else statement


# (posted, submitting): a GET, a draft being saved, a submit.
_FORM_QUERIES: Final = {
    (False, False): _form_query(False, False),
    (True, False): _form_query(True, False),
    (True, True): _form_query(True, True),
}


def for_apply_form(
    reference: str,
    candidate_id: int,
    at: datetime | None,
    *,
    posted: bool = False,
    submitting: bool = False,
) -> ApplyForm | None:
    """The public vacancy, whether it was open at `at`, and the candidate's application to it.

    One query: the criteria come with the vacancy, and the application (if any) with its CV.
    `posted` adds what the candidate has stored (the upload allowance); `submitting` adds the
    vacancy's recruiters, whom a submit emails. A draft's evidence follows in a second query.
    """
    statement = _FORM_QUERIES[(posted, posted and submitting)]
    params = {"reference": reference, "candidate_id": candidate_id, "received_at": at}
    row = db.session.execute(statement, params).unique().first()
    if row is None:
        return None
    vacancy, open_now, application, held = row
    return ApplyForm(vacancy, bool(open_now), application, None if held is None else int(held))


def _guarded_insert(dialect: str) -> Insert:
    """INSERT the application, submitted, only if its vacancy was open when the request was
    received and the candidate has none yet; returning the new row."""
    columns = _APPLICATIONS.c
    given = [
        "vacancy_id",
        "candidate_id",
        "status",
        "statement",
        "cv_file_id",
        "created_at",
        "updated_at",
        "candidate_number",
        "on_longlist",
        "on_shortlist",
    ]
    chosen = select(
        *(bindparam(name, type_=columns[name].type) for name in given), _RECEIVED
    ).where(exists().where(Vacancy.id == bindparam("vacancy_id", type_=Integer), _OPEN))
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_into(_APPLICATIONS)
        .from_select([*given, "submitted_at"], chosen)
        .on_conflict_do_nothing(index_elements=["vacancy_id", "candidate_id"])
        .returning(*columns)
    )


_GUARDED_INSERTS: Final = {name: _guarded_insert(name) for name in ("postgresql", "sqlite")}
_INSERT_EVIDENCE: Final = insert(_EVIDENCE).returning(_EVIDENCE.c.id)
_INSERT_CHANGE: Final = insert(_HISTORY)


def submit_new(
    vacancy: Vacancy, answers: Answers, candidate: User, received_at: datetime | None = None
) -> Application:
    """Create the candidate's application to `vacancy` already submitted, if received in time.

    For a first submit (no draft): one guarded INSERT decides the deadline, as the guarded
    UPDATE does for a draft, and the unique (vacancy, candidate) pair decides a double click.
    Raises ApplicationClosedError if received after closing, AlreadySubmittedError if another
    request submitted first, DraftStartedError if another request saved a draft first. The
    vacancy must come with its criteria and recruiters (`for_apply_form(submitting=True)`).
    """
    cv_file_id = insert_upload(*answers.cv, candidate.id) if answers.cv is not None else None
    row = _insert_submitted(vacancy.id, candidate.id, answers.statement, cv_file_id, received_at)
    if row is None:
        _refuse(vacancy, candidate.id)
    application = Application(**{_ATTRIBUTES[key]: value for key, value in row._asdict().items()})
    # Loaded, as far as the session knows: the INSERT returned every column.
    make_transient_to_detached(application)
    db.session.add(application)
    set_committed_value(application, "vacancy", vacancy)
    set_committed_value(application, "candidate", candidate)
    connection = db.session.connection()
    evidence = [
        {"application_id": application.id, "criterion_id": c.id, "text": text}
        for c in vacancy.criteria
        if (text := answers.evidence.get(c.id, ""))
    ]
    if evidence:
        # RETURNING makes it one multi-row statement, however many criteria.
        connection.execute(_INSERT_EVIDENCE, evidence)
    change = {
        "application_id": application.id,
        "from_status": ApplicationStatus.DRAFT,
        "to_status": ApplicationStatus.SUBMITTED,
        "changed_by_id": candidate.id,
        "changed_at": utcnow(),
        "note": "",
    }
    connection.execute(_INSERT_CHANGE, change)
    notify_submitted(application)
    return application


def _insert_submitted(
    vacancy_id: int,
    candidate_id: int,
    statement: str,
    cv_file_id: int | None,
    received_at: datetime | None,
) -> Row[Any] | None:
    now = utcnow()
    params = {
        "vacancy_id": vacancy_id,
        "candidate_id": candidate_id,
        "status": ApplicationStatus.SUBMITTED,
        "statement": statement,
        "cv_file_id": cv_file_id,
        "created_at": now,
        "updated_at": now,
        "candidate_number": new_candidate_number(),
        "on_longlist": False,
        "on_shortlist": False,
        "received_at": received_at,
    }
    connection = db.session.connection()
    return connection.execute(_GUARDED_INSERTS[connection.dialect.name], params).first()


def _refuse(vacancy: Vacancy, candidate_id: int) -> NoReturn:
    """Say why the guarded INSERT wrote nothing: an application exists, or it was too late."""
    status = db.session.scalar(
        select(Application.status).where(
            Application.vacancy_id == vacancy.id, Application.candidate_id == candidate_id
        )
    )
    raise refusal(vacancy, status, expected=None)
