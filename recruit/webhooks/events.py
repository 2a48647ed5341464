"""Emitting webhook events: an outbox row of kind `webhook`, only if an endpoint wants it.

The row rides the caller's transaction (a submit's rides the worker's, which announces the
submission: recruit.services.submission_notices), is published after commit like an email,
and a worker turns it into a `webhook_events` row and one delivery per subscribed endpoint
(`recruit.webhooks.fanout`). Payloads carry ids, the event's facts and links back to the API:
never a name, an email address or CV content.

Whether any active endpoint subscribes is asked once per transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, event, exists, select
from sqlalchemy.orm import Session

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    ExportJob,
    OutboxMessage,
    OutboxStatus,
    Vacancy,
    WebhookEndpoint,
    WebhookEventType,
    WebhookSubscription,
)

KIND = "webhook"
_WANTED_KEY = "recruit.webhooks.wanted"


def wanted_column(event_type: WebhookEventType) -> ColumnElement[bool]:
    """SQL: whether an active endpoint subscribes to `event_type`."""
    return exists().where(
        WebhookSubscription.event == event_type.value,
        WebhookSubscription.endpoint_id == WebhookEndpoint.id,
        WebhookEndpoint.active.is_(True),
    )


def wanted(event_type: WebhookEventType) -> bool:
    """Whether an active endpoint subscribes to `event_type`; asked once per transaction."""
    known: dict[str, bool] = db.session.info.setdefault(_WANTED_KEY, {})
    if event_type.value not in known:
        known[event_type.value] = bool(db.session.scalar(select(wanted_column(event_type))))
    return known[event_type.value]


def _forget(session: Session, *args: Any) -> None:
    session.info.pop(_WANTED_KEY, None)


event.listen(Session, "after_commit", _forget)
event.listen(Session, "after_rollback", _forget)


def emit(event_type: WebhookEventType, data: dict[str, Any]) -> OutboxMessage | None:
    """Record the event in the caller's transaction if an endpoint wants it; never commits."""
    if not wanted(event_type):
        return None
    # The same columns as an email's row, so a flush inserts them all in one statement.
    row = OutboxMessage(
        kind=KIND,
        template=event_type.value,
        recipient="",
        payload=data,
        status=OutboxStatus.PENDING,
    )
    db.session.add(row)
    return row


def api_link(path: str) -> str:
    """An absolute link to the API, from the configured base URL."""
    return str(current_app.config["BASE_URL"]).rstrip("/") + "/api/v1" + path


def _stamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def application_ref(application: Application) -> dict[str, Any]:
    """An application as payloads show it: ids and links only."""
    return {
        "id": application.id,
        "vacancy_id": application.vacancy_id,
        "status": application.status.value,
        "url": api_link(f"/applications/{application.id}"),
    }


def application_submitted(application: Application) -> OutboxMessage | None:
    """Emit `application.submitted` for a submitted application.

    A worker emits it when it announces the submit, which may be after the application has
    moved on (withdrawn, say): the event still says what happened, a submit.
    """
    reference = application_ref(application) | {"status": ApplicationStatus.SUBMITTED.value}
    return emit(WebhookEventType.APPLICATION_SUBMITTED, {"application": reference})


def stage_changed(
    application: Application, from_status: ApplicationStatus, changed_at: datetime
) -> OutboxMessage | None:
    """Emit `application.stage_changed` after a move (not a draft's submit or withdrawal)."""
    data = {
        "application": application_ref(application),
        "from_status": from_status.value,
        "to_status": application.status.value,
        "changed_at": _stamp(changed_at),
    }
    return emit(WebhookEventType.APPLICATION_STAGE_CHANGED, data)


def vacancy_closed(vacancy: Vacancy) -> OutboxMessage | None:
    """Emit `vacancy.closed` for a vacancy closed by hand or at its closing time."""
    data = {
        "vacancy": {
            "id": vacancy.id,
            "reference": vacancy.reference,
            "closed_at": _stamp(vacancy.closed_at),
            "url": api_link(f"/staff/vacancies/{vacancy.id}"),
        }
    }
    return emit(WebhookEventType.VACANCY_CLOSED, data)


def export_ready(job: ExportJob) -> OutboxMessage | None:
    """Emit `export.ready` once an export's file can be downloaded."""
    data = {
        "export": {
            "id": job.id,
            "vacancy_id": job.vacancy_id,
            "format": job.format.value,
            "expires_at": _stamp(job.expires_at),
            "url": api_link(f"/exports/{job.id}"),
            "download_url": api_link(f"/exports/{job.id}/download"),
        }
    }
    return emit(WebhookEventType.EXPORT_READY, data)
