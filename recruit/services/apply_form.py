"""The apply pages' one read: the public vacancy, whether it is open, and the candidate's
application to it (recruit.portal.applying and the check-answers page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Integer, and_, bindparam, null, select
from sqlalchemy.orm import joinedload, selectinload

from recruit.extensions import db
from recruit.models import Application, Vacancy
from recruit.services.submitting import OPEN_AT_RECEIPT
from recruit.services.vacancy_search import PUBLIC_STATUSES
from recruit.uploads import stored_bytes_query


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
        select(Vacancy, OPEN_AT_RECEIPT, Application, stored)
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
