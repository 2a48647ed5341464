"""The closing-time hot path: the apply pages' one read, and the "Accept and send" few writes.

A candidate saves their answers and CV with "Continue" (an ordinary draft save), checks them,
then presses "Accept and send" on the check-answers page. That last request is the submit: it
carries no answers, only the decision to send what is saved, and its receipt
(recruit.web.receipt) is what the deadline judges. It is one SELECT (the vacancy, its criteria
and recruiters, whether it was open at the receipt, the candidate's application and CV), one for
the draft's evidence, one guarded UPDATE of the draft (the deadline and a double click are
decided there), one INSERT for its history, and the outbox rows (one multi-row INSERT when the
view commits). Statements are built once, at import, and run with parameters.
"""

from __future__ import annotations

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
    null,
    select,
    update,
)
from sqlalchemy.orm import joinedload, selectinload
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
    WebhookEventType,
    db_now,
    utcnow,
)
from recruit.services.applications import notify_submitted, refusal
from recruit.services.vacancy_search import PUBLIC_STATUSES, open_at
from recruit.uploads import stored_bytes_query
from recruit.webhooks import events as webhook_events

_APPLICATIONS: Final = cast(Table, Application.__table__)
_HISTORY: Final = cast(Table, StatusChange.__table__)

# When the request was received (recruit.web.receipt), or the database clock if that is not
# known: `db_moment(at)` as a parameter, so that one statement serves both.
_RECEIVED: Final[ColumnElement[datetime]] = func.coalesce(
    bindparam("received_at", type_=UTCDateTime()), db_now(), type_=UTCDateTime()
)
# `vacancy_search.is_open(at)`, with `at` bound when the statement runs.
_OPEN: Final = open_at(_RECEIVED)
# Whether a webhook endpoint wants `application.submitted`: read with the form, not after.
_HOOKED: Final = webhook_events.wanted_column(WebhookEventType.APPLICATION_SUBMITTED)


@dataclass(frozen=True)
class ApplyForm:
    """What the apply pages need, read in one query: see `for_apply_form`."""

    vacancy: Vacancy
    is_open: bool
    application: Application | None
    # What the candidate has stored already, when it was asked for (a posted form).
    stored_bytes: int | None
    # The draft's evidence, criterion id -> text: read as plain rows for "Accept and send" (the
    # send only checks it); on the other pages taken from `application.evidence`.
    evidence: dict[int, str]


def _form_query(posted: bool, sending: bool) -> Any:
    candidate = bindparam("candidate_id", type_=Integer)
    mine = and_(Application.vacancy_id == Vacancy.id, Application.candidate_id == candidate)
    stored = stored_bytes_query(candidate) if posted else null()
    statement = (
        select(Vacancy, _OPEN, Application, stored, _HOOKED if sending else null())
        .outerjoin(Application, mine)
        .where(Vacancy.reference == bindparam("reference"), Vacancy.status.in_(PUBLIC_STATUSES))
        .options(joinedload(Vacancy.criteria), joinedload(Application.cv_file))
    )
    if sending:
        # Whom a submit emails; a join, not a second query (criteria x recruiters rows).
        return statement.options(joinedload(Vacancy.recruiters))
    return statement.options(selectinload(Application.evidence))


# (posted, sending): a GET, a posted form (the upload allowance), "Accept and send".
_FORM_QUERIES: Final = {
    (False, False): _form_query(False, False),
    (True, False): _form_query(True, False),
    (False, True): _form_query(False, True),
}
_EVIDENCE: Final = select(CriterionEvidence.criterion_id, CriterionEvidence.text).where(
    CriterionEvidence.application_id == bindparam("application_id", type_=Integer)
)


def for_apply_form(
    reference: str,
    candidate_id: int,
    at: datetime | None,
    *,
    posted: bool = False,
    sending: bool = False,
) -> ApplyForm | None:
    """The public vacancy, whether it was open at `at`, and the candidate's application to it.

    One query: the criteria come with the vacancy, and the application (if any) with its CV.
    `posted` adds what the candidate has stored (the upload allowance, for a posted form);
    `sending` adds the vacancy's recruiters, whom a submit emails. A draft's evidence follows
    in a second query: as plain rows when sending (`ApplyForm.evidence`), else as objects.
    """
    statement = _FORM_QUERIES[(posted and not sending, sending)]
    params = {"reference": reference, "candidate_id": candidate_id, "received_at": at}
    row = db.session.execute(statement, params).unique().first()
    if row is None:
        return None
    vacancy, open_now, application, held, hooked = row
    if hooked is not None:  # "Accept and send": its webhook event then costs no statement
        webhook_events.remember(WebhookEventType.APPLICATION_SUBMITTED, hooked)
    evidence: dict[int, str] = {}
    if application is not None and not sending:
        evidence = {item.criterion_id: item.text for item in application.evidence}
    elif application is not None and application.status is ApplicationStatus.DRAFT:
        found = db.session.execute(_EVIDENCE, {"application_id": application.id})
        evidence = {int(criterion_id): str(text) for criterion_id, text in found}
    stored = None if held is None else int(held)
    return ApplyForm(vacancy, bool(open_now), application, stored, evidence)


_APP = _APPLICATIONS.c
# Submit the draft only if it is still a draft and its vacancy was open at the receipt.
_SEND: Final = (
    update(_APPLICATIONS)
    .where(
        _APP.id == bindparam("the_id", type_=Integer),
        _APP.status == ApplicationStatus.DRAFT,
        exists().where(Vacancy.id == _APP.vacancy_id, _OPEN),
    )
    .values(
        status=ApplicationStatus.SUBMITTED,
        submitted_at=_RECEIVED,
        updated_at=bindparam("now", type_=UTCDateTime()),
    )
    .returning(_APP.submitted_at)
)
_INSERT_CHANGE: Final = insert(_HISTORY)


def send(application: Application, candidate: User, received_at: datetime | None) -> None:
    """Submit the saved draft as it stands, if the request was received before closing.

    One guarded UPDATE decides both the deadline (judged at `received_at`, the receipt of the
    "Accept and send" request) and a double click. Raises ApplicationClosedError if received
    after closing, AlreadySubmittedError if another request submitted or withdrew it first.
    The vacancy must come with its recruiters (`for_apply_form(sending=True)`).
    """
    connection = db.session.connection()
    now = utcnow()
    params = {"the_id": application.id, "received_at": received_at, "now": now}
    row = connection.execute(_SEND, params).first()
    if row is None:
        raise refusal(application)
    # The row is as the UPDATE left it: nothing for the session to write or read back.
    set_committed_value(application, "status", ApplicationStatus.SUBMITTED)
    set_committed_value(application, "submitted_at", row.submitted_at)
    set_committed_value(application, "updated_at", now)
    set_committed_value(application, "candidate", candidate)
    change = {
        "application_id": application.id,
        "from_status": ApplicationStatus.DRAFT,
        "to_status": ApplicationStatus.SUBMITTED,
        "changed_by_id": candidate.id,
        "changed_at": now,
        "note": "",
    }
    connection.execute(_INSERT_CHANGE, change)
    notify_submitted(application)
