"""Bulk actions on a selection of applications: moves, lists and unsuccessful emails.

Each application is handled on its own: ones the pipeline does not allow are skipped and
reported, the rest go ahead. Every email is an outbox row, sent by the workers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, User, Vacancy
from recruit.notifications import catalog
from recruit.services import guarantee, pipeline
from recruit.services.sift import display_identity, set_list
from recruit.taxonomy import STAFF_LABELS

PLACEHOLDERS: Final[dict[str, str]] = {
    "{first_name}": "the candidate's first name",
    "{full_name}": "the candidate's full name",
    "{vacancy_title}": "the job title",
    "{reference}": "the application reference",
}
SUBJECT_CHARS: Final = 150
BODY_CHARS: Final = 10_000
MAX_SELECTION: Final = 500
PLACEHOLDER_RE: Final = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))


@dataclass
class BulkResult:
    """What happened to each selected application: done, or skipped with the reason."""

    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        """One sentence for the recruiter, like '3 applications moved to shortlisted.'"""
        count = len(self.done)
        return f"{count} application{'' if count == 1 else 's'} {verb}."


def load_selection(ids: Iterable[int], viewer: User, vacancy_id: int | None) -> list[Application]:
    """The selected submitted-or-later applications, locked, in submission order.

    Unknown ids, drafts and (on a vacancy's board) other vacancies' applications are dropped.
    """
    wanted = sorted(set(ids))[:MAX_SELECTION]
    if not wanted:
        return []
    query = (
        select(Application)
        .where(Application.id.in_(wanted), Application.status != ApplicationStatus.DRAFT)
        .options(selectinload(Application.reveals))
        .order_by(Application.submitted_at, Application.id)
        .with_for_update()
    )
    if vacancy_id is not None:
        query = query.where(Application.vacancy_id == vacancy_id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def move_many(
    applications: Sequence[Application], target: ApplicationStatus, actor: User
) -> BulkResult:
    """Move each application through `pipeline.move`; disallowed moves are skipped, and so
    are guaranteed-interview rejections, which need a reason each."""
    result = BulkResult()
    rejecting = target is ApplicationStatus.UNSUCCESSFUL
    guaranteed = guarantee.guaranteed_among(a.id for a in applications) if rejecting else set()
    for application in applications:
        who = display_identity(application, actor)
        if application.id in guaranteed and application.status in guarantee.BEFORE_INTERVIEW:
            result.skipped.append((who, guarantee.BULK_REFUSED))
            continue
        try:
            pipeline.move(application, target, actor)
        except pipeline.TransitionError as exc:
            result.skipped.append((who, str(exc)))
        else:
            result.done.append(who)
    return result


def list_many(applications: Sequence[Application], which: str, value: bool) -> BulkResult:
    """Put the applications on (or take them off) the longlist or shortlist."""
    set_list(applications, which, value)
    return BulkResult(done=[str(a.id) for a in applications])


def default_message(vacancy: Vacancy | None) -> tuple[str, str]:
    """The prefilled subject and body the recruiter edits before anything is sent."""
    subject = "Your application for {vacancy_title}"
    body = (
        "Dear {first_name},\n\n"
        "Thank you for applying for the role of {vacancy_title} (reference {reference}) and for "
        "the time you gave to your application.\n\n"
        "The panel has now assessed every application against the criteria for the role. We are "
        "sorry to tell you that your application has not been taken further this time.\n\n"
        "We hope you will consider other Midlands Engine roles in the future.\n\n"
        "Midlands Engine Recruitment"
    )
    if vacancy is not None:
        subject = subject.replace("{vacancy_title}", vacancy.title)
    return subject, body


def fill(text: str, application: Application) -> str:
    """Replace the known placeholders for one candidate; any other braces are left as typed."""
    candidate = application.candidate
    values = {
        "{first_name}": (candidate.full_name.split() or ["candidate"])[0],
        "{full_name}": candidate.full_name,
        "{vacancy_title}": application.vacancy.title,
        "{reference}": application.reference,
    }
    # One pass, so a value that happens to contain a placeholder is never filled in again.
    return PLACEHOLDER_RE.sub(lambda match: values[match.group(0)], text)


def _refusal(application: Application, guaranteed: set[int]) -> str | None:
    """Why a bulk rejection leaves this application out, or None when it goes ahead."""
    if ApplicationStatus.UNSUCCESSFUL not in pipeline.ALLOWED_MOVES.get(
        application.status, frozenset()
    ):
        label = STAFF_LABELS[application.status].lower()
        return f"An application that is {label} cannot be rejected"
    if application.id in guaranteed and application.status in guarantee.BEFORE_INTERVIEW:
        return guarantee.BULK_REFUSED
    return None


def rejection_plan(applications: Sequence[Application], actor: User) -> BulkResult:
    """Who a bulk rejection would mark unsuccessful, and who it would leave out and why,
    changing nothing: what the confirmation page tells the recruiter."""
    result = BulkResult()
    guaranteed = guarantee.guaranteed_among(a.id for a in applications)
    for application in applications:
        who = display_identity(application, actor)
        refusal = _refusal(application, guaranteed)
        if refusal is None:
            result.done.append(who)
        else:
            result.skipped.append((who, refusal))
    return result


def reject_many(
    applications: Sequence[Application], subject: str, body: str, actor: User
) -> BulkResult:
    """Mark each application unsuccessful and queue the recruiter's email to its candidate.

    The pipeline's own status email is not sent: the candidate gets this one message instead.
    Guaranteed-interview applications are left out: rejecting one needs its own reason.
    """
    result = BulkResult()
    target = ApplicationStatus.UNSUCCESSFUL
    guaranteed = guarantee.guaranteed_among(a.id for a in applications)
    for application in applications:
        who = display_identity(application, actor)
        refusal = _refusal(application, guaranteed)
        if refusal is not None:
            result.skipped.append((who, refusal))
            continue
        pipeline.record_change(application, target, actor, "Unsuccessful (bulk email)")
        catalog.unsuccessful_custom(
            application,
            subject=fill(subject, application).strip()[:SUBJECT_CHARS],
            body=fill(body.replace("\r\n", "\n"), application).strip()[:BODY_CHARS],
        )
        result.done.append(who)
    return result
