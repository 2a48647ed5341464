"""The closing-time hot path: "Accept and send".

A candidate saves their answers and CV with "Continue" (an ordinary draft save), checks them,
then presses "Accept and send" on the check-answers page. That last request is the submit: it
carries no answers, only the decision to send what is saved, and its receipt
(recruit.web.receipt) is what the deadline judges.

The send builds no ORM objects. On PostgreSQL one statement (`send_if_complete`, data-modifying
WITH) checks the draft's answers as `forms.missing_answers` does and writes the guarded UPDATE
(the deadline and a double click are decided there), its history row and one outbox row, the
submission notice. When it writes nothing (and on SQLite) one SELECT reads the draft as plain
rows (`draft_to_send`) for the page to say why, and `send_draft` writes the same three rows (on
SQLite as three statements). A worker turns the notice into the confirmation, the recruiters'
emails and the `application.submitted` webhook (`announce`), so the request writes one small
row however many recruiters a vacancy has. Statements are built once, at import."""

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
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection

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

_APPLICATIONS: Final = cast(Table, Application.__table__)
_HISTORY: Final = cast(Table, StatusChange.__table__)
_OUTBOX: Final = cast(Table, OutboxMessage.__table__)

# When the request was received (recruit.web.receipt), or the database clock if that is not
# known: `db_moment(at)` as a parameter, so that one statement serves both.
RECEIVED_AT: Final[ColumnElement[datetime]] = func.coalesce(
    bindparam("received_at", type_=UTCDateTime()), db_now(), type_=UTCDateTime()
)
# `vacancy_search.is_open(at)`, with `at` bound when the statement runs.
OPEN_AT_RECEIPT: Final = open_at(RECEIVED_AT)


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


def _submit(*conditions: ColumnElement[bool]) -> Any:
    """The UPDATE that submits the sender's draft where `conditions` hold too."""
    return (
        update(_APPLICATIONS)
        .where(
            _APP.candidate_id == bindparam("sender_id", type_=Integer),
            _APP.status == ApplicationStatus.DRAFT,
            *conditions,
        )
        .values(
            status=ApplicationStatus.SUBMITTED,
            submitted_at=RECEIVED_AT,
            updated_at=bindparam("now", type_=UTCDateTime()),
        )
    )


# Submit the draft only if it is still a draft and its vacancy was open at the receipt.
_SUBMIT: Final = _submit(
    _APP.id == bindparam("the_id", type_=Integer),
    exists().where(Vacancy.id == _APP.vacancy_id, OPEN_AT_RECEIPT),
)

# Python's whitespace (str.isspace), all of it below U+3001. A text matching `[^<those>]` has
# something Python's strip() keeps: the SQL test of an answer given, exactly as
# forms.missing_answers judges it.
_WHITESPACE: Final = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
NOT_BLANK: Final = f"[^{_WHITESPACE}]"


def _given(text: Any) -> ColumnElement[bool]:
    return cast(ColumnElement[bool], text.regexp_match(NOT_BLANK))


_EVIDENCE: Final = cast(Table, CriterionEvidence.__table__).c
# A statement, a CV, and evidence against every essential criterion of the draft's vacancy.
_COMPLETE: Final = and_(
    _given(_APP.statement),
    _APP.cv_file_id.is_not(None),
    ~exists().where(
        Criterion.vacancy_id == _APP.vacancy_id,
        Criterion.kind == CriterionKind.ESSENTIAL,
        ~exists()
        .where(
            _EVIDENCE.application_id == _APP.id,
            _EVIDENCE.criterion_id == Criterion.id,
            _given(_EVIDENCE.text),
        )
        .correlate(_APPLICATIONS, Criterion),
    ),
)
# The draft to the vacancy named by reference, if complete and the vacancy open at the receipt.
_SUBMIT_COMPLETE: Final = _submit(
    _APP.vacancy_id
    == select(Vacancy.id)
    .where(Vacancy.reference == bindparam("reference"), OPEN_AT_RECEIPT)
    .scalar_subquery(),
    _COMPLETE,
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


def _notice_values(source: Any, payload: Any) -> Any:
    """The submission notice's columns, one row per row of `source`."""
    return select(
        literal(NOTICE_KIND),
        literal(NOTICE_TEMPLATE),
        literal(""),
        payload,
        literal(OutboxStatus.PENDING, _OUTBOX.c.status.type),
        literal(0),
        bindparam("now", type_=UTCDateTime()),
    ).select_from(source)


def _one_statement(submit: Any) -> Any:
    """PostgreSQL: the UPDATE, its history row and the notice as one statement, returning the
    application's id and the notice's."""
    sent = submit.returning(_APP.id).cte("sent")
    history = (
        insert(_HISTORY).from_select(_HISTORY_COLUMNS, _history_values(sent.c.id)).cte("history")
    )
    payload = func.json_build_object(
        literal("application_id"), sent.c.id, type_=_OUTBOX.c.payload.type
    )
    notice = (
        insert(_OUTBOX)
        .from_select(_NOTICE_COLUMNS, _notice_values(sent, payload))
        .returning(_OUTBOX.c.id)
        .cte("notice")
    )
    written = (_APPLICATIONS.name, _HISTORY.name, _OUTBOX.name)
    return (
        select(sent.c.id, notice.c.id)
        .select_from(sent.join(notice, true()))
        .add_cte(history)
        .execution_options(**{WRITES_TABLES_OPTION: written})
    )


_SEND_AT_ONCE: Final = _one_statement(_SUBMIT)
_SEND_COMPLETE: Final = _one_statement(_SUBMIT_COMPLETE)
_SUBMITTED: Final = _SUBMIT.returning(_APP.id)
_HISTORY_ROW: Final = insert(_HISTORY).from_select(
    _HISTORY_COLUMNS, _history_values(bindparam("the_id", type_=Integer))
)
_NOTICE_ROW: Final = (
    insert(_OUTBOX)
    .from_select(
        _NOTICE_COLUMNS,
        _notice_values(
            select(literal(1)).subquery(),
            bindparam("payload", type_=_OUTBOX.c.payload.type),
        ),
    )
    .returning(_OUTBOX.c.id)
)


def send_if_complete(reference: str, candidate_id: int, received_at: datetime | None) -> int | None:
    """PostgreSQL: submit the candidate's draft to `reference` in one statement, with its
    history row and notice, if it is complete (as `forms.missing_answers` judges), still a
    draft and received before closing; the application's id. None when nothing was written,
    and on other databases: the caller then reads the draft to say why (`draft_to_send`)."""
    connection = db.session.connection()
    if not _at_once(connection):
        return None
    params = _send_params(candidate_id, received_at, reference=reference)
    row = connection.execute(_SEND_COMPLETE, params).first()
    if row is None:
        return None
    application_id, notice_id = int(row[0]), int(row[1])
    remember_inserted(db.session(), OutboxMessage, [notice_id])
    return application_id


def send_draft(application_id: int, candidate_id: int, received_at: datetime | None) -> bool:
    """Submit the candidate's saved draft as it stands, if it is still a draft and the request
    was received (`received_at`) before closing; False when it was not, and nothing was written.

    The history row and the submission notice are written with it; the notice is handed to
    the worker after the caller commits. The caller checks the answers first.
    """
    params = _send_params(
        candidate_id,
        received_at,
        the_id=application_id,
        payload={"application_id": application_id},  # the notice's, written in turn (SQLite)
    )
    connection = db.session.connection()
    notice_ids = _write_at_once(connection, params) if _at_once(connection) else None
    if notice_ids is None:
        notice_ids = _write_in_turn(connection, params)
    if not notice_ids:
        return False
    remember_inserted(db.session(), OutboxMessage, notice_ids)
    return True


def _send_params(candidate_id: int, received_at: datetime | None, **extra: Any) -> dict[str, Any]:
    # Not "candidate_id": a parameter named after a column would be SET by the UPDATE.
    return {"sender_id": candidate_id, "received_at": received_at, "now": utcnow(), **extra}


def _at_once(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def _write_at_once(connection: Connection, params: dict[str, Any]) -> Sequence[int]:
    return [int(notice) for _, notice in connection.execute(_SEND_AT_ONCE, params)]


def _write_in_turn(connection: Connection, params: dict[str, Any]) -> Sequence[int]:
    """The same writes as three statements, for databases without data-modifying WITH."""
    if connection.execute(_SUBMITTED, params).first() is None:
        return []
    connection.execute(_HISTORY_ROW, params)
    return [int(i) for i in connection.execute(_NOTICE_ROW, params).scalars()]
