"""The submission notice: the one outbox row "Accept and send" writes, announced by a worker.

A submit at the closing time must be quick, so it writes one small row (kind `submitted`,
the application's id in its payload) in the same transaction as the submit itself
(recruit.services.submitting). The row is published after the commit like an email; a worker
claims it and, in one transaction, queues the candidate's confirmation, an email to each of
the vacancy's recruiters and, if an endpoint wants it, the `application.submitted` webhook,
and marks the notice sent. Those rows are published when that commit lands. A worker that dies
part-way commits nothing, so the sweep hands the notice over again and nothing is sent twice.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from recruit.extensions import db
from recruit.models import Application, OutboxMessage, Vacancy
from recruit.outbox.store import mark_sent
from recruit.services.applications import notify_submitted

NOTICE_KIND: Final = "submitted"
NOTICE_TEMPLATE: Final = "application_submitted"


def is_submission_notice(row: OutboxMessage) -> bool:
    """Whether this outbox row is a submission notice rather than an email."""
    return row.kind == NOTICE_KIND


def announce(row: OutboxMessage) -> str:
    """Queue the emails and webhook of the submit that wrote this claimed notice, and mark it
    sent; the caller commits. Returns what it did: "announced" or "gone" (the application
    was erased before the notice was acted on)."""
    application_id = int((row.payload or {}).get("application_id", 0))
    application = db.session.scalar(
        select(Application)
        .where(Application.id == application_id)
        .options(
            joinedload(Application.candidate),
            joinedload(Application.vacancy).selectinload(Vacancy.recruiters),
        )
    )
    if application is not None:
        notify_submitted(application)
    mark_sent(row)
    return "gone" if application is None else "announced"
