"""Scheduled jobs that email: recruiters when a vacancy closes, candidates with a late draft."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from recruit.deadlines import CLOSING_GRACE
from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, OutboxMessage
from recruit.services.reminders import remind_drafts
from testkit.factories import Factory
from tests.support.rows import outbox
from worker.celery_app import celery_init_app
from worker.tasks import close_due, deliver
from worker.tasks import remind_drafts as remind_drafts_task

# Closed long enough ago that every request received on time has been decided.
CLOSED_AND_DECIDED = CLOSING_GRACE + timedelta(seconds=5)


def test_closing_emails_each_recruiter_the_number_received(app: Flask, make: Factory) -> None:
    celery_init_app(app)
    lead = make.recruiter(email="lead@me.example", full_name="Lead Recruiter")
    other = make.recruiter(email="other@me.example")
    due = make.vacancy(closes_in=-CLOSED_AND_DECIDED, recruiter_ids=(lead.id, other.id))
    quiet = make.vacancy(closes_in=-CLOSED_AND_DECIDED, recruiter_ids=(lead.id,))
    open_ = make.vacancy(closes_in=timedelta(days=2), recruiter_ids=(lead.id,))
    statuses = [ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED]
    statuses += [ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN]
    for status in statuses:
        make.application(make.candidate().id, due.id, status=status)
    make.application(make.candidate().id, open_.id)
    assert close_due() == 2
    sent = outbox(app, "vacancy_closed")
    assert [(r.recipient, r.payload["reference"], r.payload["count"]) for r in sent] == [
        ("lead@me.example", due.reference, 2),
        ("other@me.example", due.reference, 2),
        ("lead@me.example", quiet.reference, 0),
    ]
    assert (
        sent[0].payload["applications_url"]
        == f"http://recruit.test/admin/vacancies/{due.id}/applications"
    )
    assert close_due() == 0 and len(outbox(app, "vacancy_closed")) == 3


def test_the_closing_email_renders(app: Flask, make: Factory) -> None:
    celery_init_app(app)
    lead = make.recruiter(email="lead@me.example")
    due = make.vacancy(
        title="Head of Trade", closes_in=-CLOSED_AND_DECIDED, recruiter_ids=(lead.id,)
    )
    make.application(make.candidate().id, due.id)
    close_due()
    with app.app_context():
        row_id = db.session.scalar(select(OutboxMessage.id))
    assert deliver(row_id) == "sent"
    eml = (Path(app.config["MAIL_DIR"]) / f"{row_id}.eml").read_text()
    assert f"Subject: Head of Trade ({due.reference}) has closed: 1 application" in eml
    assert "Applications received: 1" in eml


def draft(make: Factory, closes_in: timedelta, **user: Any) -> tuple[int, int]:
    """A candidate's draft for a new vacancy closing in `closes_in`: (application, vacancy) ids."""
    vacancy = make.vacancy(closes_in=closes_in)
    candidate = make.candidate(**user)
    application = make.application(candidate.id, vacancy.id, status=ApplicationStatus.DRAFT)
    return application.id, vacancy.id


def test_drafts_closing_within_a_day_are_reminded_once(app: Flask, make: Factory) -> None:
    soon, _ = draft(make, timedelta(hours=20), email="soon@example.org")
    draft(make, timedelta(hours=30))  # not yet
    draft(make, timedelta(minutes=-1))  # closed already
    submitted_vacancy = make.vacancy(closes_in=timedelta(hours=2))
    make.application(make.candidate().id, submitted_vacancy.id)  # nothing left to do
    with app.app_context():
        assert remind_drafts() == [soon]
        db.session.commit()
        assert remind_drafts() == []  # never twice
        db.session.commit()
        reminded = db.session.get(Application, soon)
        assert reminded is not None and reminded.reminded_at is not None
    [row] = outbox(app, "draft_reminder")
    assert row.recipient == "soon@example.org"
    with app.app_context():
        reference = db.session.get(Application, soon).vacancy.reference  # type: ignore[union-attr]
    assert row.payload["apply_url"] == f"http://recruit.test/vacancies/{reference}/apply"


def test_a_rolled_back_run_reminds_nobody_and_the_next_run_does(app: Flask, make: Factory) -> None:
    soon, _ = draft(make, timedelta(hours=3))
    with app.app_context():
        assert remind_drafts() == [soon]
        db.session.rollback()  # the service never commits: neither the mark nor the email stay
    assert outbox(app, "draft_reminder") == []
    celery_init_app(app)
    assert remind_drafts_task() == 1
    assert remind_drafts_task() == 0
    assert len(outbox(app, "draft_reminder")) == 1


def test_the_reminder_email_renders(app: Flask, make: Factory) -> None:
    celery_init_app(app)
    draft(make, timedelta(hours=5), full_name="Amara Okafor")
    remind_drafts_task()
    with app.app_context():
        row_id = db.session.scalar(select(OutboxMessage.id))
    assert deliver(row_id) == "sent"
    eml = (Path(app.config["MAIL_DIR"]) / f"{row_id}.eml").read_text()
    assert "is not submitted yet" in eml and "Dear Amara Okafor" in eml
