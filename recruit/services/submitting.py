"""The closing-time hot path: the apply pages' one read, and "Accept and send".

A candidate saves their answers and CV with "Continue" (an ordinary draft save), checks them,
then presses "Accept and send" on the check-answers page. That last request is the submit: it
carries no answers, only the decision to send what is saved, and its receipt
(recruit.web.receipt) is what the deadline judges.

The send builds no ORM objects. One SELECT reads the draft's completeness as plain rows
(`draft_to_send`); one statement then submits it (`send_draft`): the guarded UPDATE (the
deadline and a double click are decided there), its history row and one outbox row, the
submission notice. A worker turns the notice into the confirmation, the recruiters' emails and
the `application.submitted` webhook (`announce`), so the request writes one small row however
many recruiters a vacancy has. On PostgreSQL the three writes are one statement (data-modifying
WITH); on SQLite, three. Statements are built once, at import, and run with parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import joinedload, selectinload

from recruit.extensions import db
from recruit.models import (
    WRITES_TABLES_OPTION,
    Application,
    ApplicationStatus,
    Criterion,
    CriterionEvidence,
    CriterionKind,
    OutboxMessage,
    OutboxStatus,
    StatusChange,
    UTCDateTime,
    Vacancy,
    db_now,
    utcnow,
)
from recruit.outbox.dispatch import remember_inserted
from recruit.services.submission_notices import NOTICE_KIND, NOTICE_TEMPLATE
from recruit.services.vacancy_search import PUBLIC_STATUSES, open_at
from recruit.uploads import stored_bytes_query

_APPLICATIONS: Final = cast(Table, Application.__table__)
_HISTORY: Final = cast(Table, StatusChange.__table__)
_OUTBOX: Final = cast(Table, OutboxMessage.__table__)

# When the request was received (recruit.web.receipt), or the database clock if that is not
# known: `db_moment(at)` as a parameter, so that one statement serves both.
_RECEIVED: Final[ColumnElement[datetime]] = func.coalesce(
    bindparam("received_at", type_=UTCDateTime()), db_now(), type_=UTCDateTime()
)
# `vacancy_search.is_open(at)`, with `at` bound when the statement runs.
_OPEN: Final = open_at(_RECEIVED)


@dataclass(frozen=True)
class ApplyForm:
    """What the apply pages need, read in one query: see `for_apply_form`."""

    vacancy: Vacancy
    is_open: bool
    application: Application | None
    # What the candidate has stored already, when it was asked for (a posted form).
    stored_bytes: int | None
    # The draft's evidence, criterion id -> text.
    evidence: dict[int, str]


def _form_query(posted: bool) -> Any:
    candidate = bindparam("candidate_id", type_=Integer)
    mine = and_(Application.vacancy_id == Vacancy.id, Application.candidate_id == candidate)
    stored = stored_bytes_query(candidate) if posted else null()
    return (
        select(Vacancy, _OPEN, Application, stored)
        .outerjoin(Application, mine)
        .where(Vacancy.reference == bindparam("reference"), Vacancy.status.in_(PUBLIC_STATUSES))
        .options(
            joinedload(Vacancy.criteria),
            joinedload(Application.cv_file),
            selectinload(Application.evidence),
        )
    )


# By `posted`: a GET, or a posted form (which needs the upload allowance).
_FORM_QUERIES: Final = {posted: _form_query(posted) for posted in (False, True)}


def for_apply_form(
    reference: str, candidate_id: int, at: datetime | None, *, posted: bool = False
) -> ApplyForm | None:
    """The public vacancy, whether it was open at `at`, and the candidate's application to it.

    One query: the criteria come with the vacancy, and the application (if any) with its CV;
    a draft's evidence follows in a second. `posted` adds what the candidate has stored (the
    upload allowance, for a posted form).
    """
    params = {"reference": reference, "candidate_id": candidate_id, "received_at": at}
    row = db.session.execute(_FORM_QUERIES[posted], params).unique().first()
    if row is None:
        return None
    vacancy, open_now, application, held = row
    evidence: dict[int, str] = {}
    if application is not None:
        evidence = {item.criterion_id: item.text for item in application.evidence}
    stored = None if held is None else int(held)
    return ApplyForm(vacancy, bool(open_now), application, stored, evidence)


@dataclass(frozen=True)
class DraftToSend:
    """A saved draft as "Accept and send" checks it: plain values, no ORM objects."""

    application_id: int
    statement: str
    has_cv: bool
    essential: tuple[tuple[int, str], ...]  # (criterion id, text), in page order
    evidence: dict[int, str]  # criterion id -> text, for the essential criteria


# The candidate's draft to a public vacancy, one row per essential criterion (or one row when
# there is none) with the evidence given against it.
_DRAFT_TO_SEND: Final = (
    select(
        Application.id,
        Application.statement,
        Application.cv_file_id,
        Criterion.id,
        Criterion.text,
        CriterionEvidence.text,
    )
    .join(Vacancy, Vacancy.id == Application.vacancy_id)
    .outerjoin(
        Criterion,
        and_(Criterion.vacancy_id == Vacancy.id, Criterion.kind == CriterionKind.ESSENTIAL),
    )
    .outerjoin(
        CriterionEvidence,
        and_(
            CriterionEvidence.application_id == Application.id,
            CriterionEvidence.criterion_id == Criterion.id,
        ),
    )
    .where(
        Vacancy.reference == bindparam("reference"),
        Vacancy.status.in_(PUBLIC_STATUSES),
        Application.candidate_id == bindparam("candidate_id", type_=Integer),
        Application.status == ApplicationStatus.DRAFT,
    )
    .order_by(Criterion.position, Criterion.id)
)


def draft_to_send(reference: str, candidate_id: int) -> DraftToSend | None:
    """The candidate's draft to this public vacancy, as plain values; None when there is no
    draft (none started, or already submitted or withdrawn)."""
    params = {"reference": reference, "candidate_id": candidate_id}
    rows = db.session.connection().execute(_DRAFT_TO_SEND, params).all()
    if not rows:
        return None
    application_id, statement, cv_file_id = rows[0][:3]
    essential = tuple((int(r[3]), str(r[4])) for r in rows if r[3] is not None)
    evidence = {int(r[3]): str(r[5]) for r in rows if r[3] is not None and r[5] is not None}
    return DraftToSend(
        int(application_id), str(statement), cv_file_id is not None, essential, evidence
    )


_APP = _APPLICATIONS.c
# Submit the draft only if it is still a draft and its vacancy was open at the receipt.
_SUBMIT: Final = (
    update(_APPLICATIONS)
    .where(
        _APP.id == bindparam("the_id", type_=Integer),
        _APP.candidate_id == bindparam("sender_id", type_=Integer),
        _APP.status == ApplicationStatus.DRAFT,
        exists().where(Vacancy.id == _APP.vacancy_id, _OPEN),
    )
    .values(
        status=ApplicationStatus.SUBMITTED,
        submitted_at=_RECEIVED,
        updated_at=bindparam("now", type_=UTCDateTime()),
    )
)


def _history_values(source: Any) -> Any:
    """The history row's columns, selected from `source` (the submitted application's id)."""
    return select(
        source,
        literal(ApplicationStatus.DRAFT, _HISTORY.c.from_status.type),
        literal(ApplicationStatus.SUBMITTED, _HISTORY.c.to_status.type),
        bindparam("sender_id", type_=Integer),
        bindparam("now", type_=UTCDateTime()),
        literal(""),
    )


_HISTORY_COLUMNS: Final = [
    "application_id",
    "from_status",
    "to_status",
    "changed_by_id",
    "changed_at",
    "note",
]
_NOTICE_COLUMNS: Final = [
    "kind",
    "template",
    "recipient",
    "payload",
    "status",
    "attempts",
    "created_at",
]


def _notice_values(source: Any) -> Any:
    """The submission notice's columns, one row per row of `source`."""
    return select(
        literal(NOTICE_KIND),
        literal(NOTICE_TEMPLATE),
        literal(""),
        bindparam("payload", type_=_OUTBOX.c.payload.type),
        literal(OutboxStatus.PENDING, _OUTBOX.c.status.type),
        literal(0),
        bindparam("now", type_=UTCDateTime()),
    ).select_from(source)


def _one_statement() -> Any:
    """PostgreSQL: the UPDATE, its history row and the notice as one statement."""
    sent = _SUBMIT.returning(_APP.id).cte("sent")
    history = (
        insert(_HISTORY).from_select(_HISTORY_COLUMNS, _history_values(sent.c.id)).cte("history")
    )
    notice = (
        insert(_OUTBOX)
        .from_select(_NOTICE_COLUMNS, _notice_values(sent))
        .returning(_OUTBOX.c.id)
        .cte("notice")
    )
    written = (_APPLICATIONS.name, _HISTORY.name, _OUTBOX.name)
    return select(notice.c.id).add_cte(history).execution_options(**{WRITES_TABLES_OPTION: written})


_SEND_AT_ONCE: Final = _one_statement()
_SUBMITTED: Final = _SUBMIT.returning(_APP.id)
_HISTORY_ROW: Final = insert(_HISTORY).from_select(
    _HISTORY_COLUMNS, _history_values(bindparam("the_id", type_=Integer))
)
_NOTICE_ROW: Final = (
    insert(_OUTBOX)
    .from_select(_NOTICE_COLUMNS, _notice_values(select(literal(1)).subquery()))
    .returning(_OUTBOX.c.id)
)


def send_draft(application_id: int, candidate_id: int, received_at: datetime | None) -> bool:
    """Submit the candidate's saved draft as it stands, if it is still a draft and the request
    was received (`received_at`) before closing; False when it was not, and nothing was written.

    The history row and the submission notice are written with it; the notice is handed to
    the worker after the caller commits. The caller checks the answers first.
    """
    params = {
        "the_id": application_id,
        # Not "candidate_id": a parameter named after a column would be SET by the UPDATE.
        "sender_id": candidate_id,
        "received_at": received_at,
        "now": utcnow(),
        "payload": {"application_id": application_id},
    }
    connection = db.session.connection()
    notice_ids = _write_at_once(connection, params) if _at_once(connection) else None
    if notice_ids is None:
        notice_ids = _write_in_turn(connection, params)
    if not notice_ids:
        return False
    remember_inserted(db.session(), OutboxMessage, notice_ids)
    return True


def _at_once(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _write_at_once(connection: Connection, params: dict[str, Any]) -> Sequence[int]:
    return [int(i) for i in connection.execute(_SEND_AT_ONCE, params).scalars()]


def _write_in_turn(connection: Connection, params: dict[str, Any]) -> Sequence[int]:
    """The same writes as three statements, for databases without data-modifying WITH."""
    if connection.execute(_SUBMITTED, params).first() is None:
        return []
    connection.execute(_HISTORY_ROW, params)
    return [int(i) for i in connection.execute(_NOTICE_ROW, params).scalars()]
