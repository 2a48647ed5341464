"""What a purge leaves elsewhere: emails about the application and the audit trail's links.

When applications are purged (by the retention schedule or an account's erasure) the emails
we sent the candidate about them go, pending ones are dropped unsent, and the audit events
about them keep what staff did and when, but not whom it was about nor the free text. Apart
from purges, every finished email is forgotten SENT_EMAIL_RETENTION_DAYS after it went.
Run on SQLite and PostgreSQL, with stored times moved back instead of waiting.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    OutboxMessage,
    OutboxStatus,
    PurgeTrigger,
    User,
    utcnow,
)
from recruit.notifications import catalog
from recruit.outbox.store import mark_failed, mark_sent
from recruit.privacy import retention
from recruit.services import adjustments, guarantee
from recruit.services.audit import record
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.retention import closed_vacancy
from tests.support.rows import rows, stored

S = ApplicationStatus
OVERRIDE_REASON = "OVERRIDE-MARKER: told us about their condition on the phone"


def _application(application_id: int) -> Application:
    found = db.session.get(Application, application_id)
    assert found is not None
    return found


def _sent(message: OutboxMessage) -> int:
    """Mark a queued email delivered, as the worker does; its id."""
    db.session.flush()
    mark_sent(message)
    return message.id


def traces(app: Flask, make: Factory, vacancy_id: int, kept_vacancy_id: int) -> SimpleNamespace:
    """A candidate's purged application and draft, with emails and audit events about them.

    Also what must stay: the same person's application on another vacancy and its email, an
    email about their account, the recruiter's "new application" email, and the audit event
    of the kept application.
    """
    recruiter = make.recruiter()
    person = make.candidate(full_name="Tamsin Trace", email="tamsin@example.org")
    drafter = make.candidate(full_name="Dafydd Draft", email="dafydd@example.org")
    gone = make.application(person.id, vacancy_id, S.UNSUCCESSFUL, "Gone statement")
    draft = make.application(drafter.id, vacancy_id, S.DRAFT, "Draft statement")
    kept = make.application(person.id, kept_vacancy_id, S.SUBMITTED, "Kept statement")
    with app.app_context():
        staff = db.session.get(User, recruiter.id)
        user = db.session.get(User, person.id)
        assert staff is not None and user is not None
        application = _application(gone.id)
        pending = catalog.status_changed(application)  # not sent yet
        purged_emails = [
            _sent(catalog.application_received(application)),
            _sent(catalog.adjustment_acknowledged(application, utcnow())),
            _sent(catalog.draft_reminder(_application(draft.id))),
        ]
        db.session.flush()
        purged_emails.append(pending.id)
        failed = catalog.unsuccessful_custom(application, "Sorry", "Not this time")
        db.session.flush()
        mark_failed(failed, "mailbox full")
        purged_emails.append(failed.id)
        kept_emails = [
            _sent(catalog.application_received(_application(kept.id))),
            _sent(catalog.password_changed(user)),
            _sent(catalog.new_application(application, staff)),
        ]
        for event, application_id, detail in [
            (guarantee.OVERRIDE_EVENT, gone.id, OVERRIDE_REASON),
            (adjustments.ACKNOWLEDGED_EVENT, gone.id, ""),
            (adjustments.ACKNOWLEDGED_EVENT, kept.id, "kept detail"),
        ]:
            source = _application(application_id)
            record(
                event,
                staff,
                subject_user_id=source.candidate_id,
                application_id=source.id,
                vacancy_id=source.vacancy_id,
                detail=detail,
            )
        db.session.commit()
        return SimpleNamespace(
            person=person,
            recruiter=recruiter,
            gone_ids=[gone.id, draft.id],
            kept_id=kept.id,
            # In the order written: received, adjustment, the draft's reminder, pending, failed.
            purged_emails=purged_emails,
            # Her other application's email, her account's, the recruiter's.
            kept_emails=kept_emails,
        )


def outbox_ids(app: Flask) -> list[int]:
    """Every outbox row's id."""
    return sorted(m.id for m in rows(app, OutboxMessage))


def audit_of(app: Flask, application_ids: list[int]) -> list[tuple[str, int | None, int | None]]:
    """(event, actor, subject) of the audit events about these applications."""
    found = rows(app, AuditEvent, AuditEvent.application_id.in_(application_ids))
    return sorted((e.event, e.actor_id, e.subject_user_id) for e in found)


def test_the_retention_purge_takes_the_emails_and_audit_links_with_the_applications(
    app: Flask, make: Factory
) -> None:
    recruiter = make.recruiter()
    vacancy_id, _, _ = closed_vacancy(make, recruiter.id, closed_ago=timedelta(days=200))
    other = make.vacancy(recruiter_ids=(recruiter.id,))
    world = traces(app, make, vacancy_id, other.id)
    assert set(world.purged_emails) <= set(outbox_ids(app))
    with app.app_context():
        (receipt,) = retention.run(PurgeTrigger.SCHEDULED)
        assert receipt.counts["applications"] == 2
    # The candidates' emails about the purged applications are gone, sent, failed or pending.
    assert outbox_ids(app) == sorted(world.kept_emails)
    texts = repr([(m.recipient, m.payload) for m in rows(app, OutboxMessage)])
    assert "dafydd@example.org" not in texts and "Dafydd Draft" not in texts
    # The audit trail still says what staff did, but not to whom, nor the reason typed.
    assert audit_of(app, world.gone_ids) == [
        (adjustments.ACKNOWLEDGED_EVENT, world.recruiter.id, None),
        (guarantee.OVERRIDE_EVENT, world.recruiter.id, None),
    ]
    gone_events = rows(app, AuditEvent, AuditEvent.application_id.in_(world.gone_ids))
    assert {e.detail for e in gone_events} == {""}
    assert {e.vacancy_id for e in gone_events} == {vacancy_id}
    assert OVERRIDE_REASON not in repr([(e.detail,) for e in rows(app, AuditEvent)])
    # The kept application's event is untouched.
    (kept_event,) = rows(app, AuditEvent, AuditEvent.application_id == world.kept_id)
    assert (kept_event.subject_user_id, kept_event.detail) == (world.person.id, "kept detail")


def test_erasing_the_account_deletes_the_emails_about_its_applications(
    app: Flask, make: Factory
) -> None:
    recruiter = make.recruiter()
    first = make.vacancy(recruiter_ids=(recruiter.id,))
    second = make.vacancy(recruiter_ids=(recruiter.id,))
    world = traces(app, make, first.id, second.id)
    client = app.test_client()
    log_in(client, world.person)
    response = submit(client, "/account/delete", {"password": world.person.password})
    assert response.status_code == 200
    # Both her applications went (the open one withdrawn first), and every email about them;
    # the one about her account stays as a row with no address or content.
    about_hers = [*world.purged_emails[:2], *world.purged_emails[3:], world.kept_emails[0]]
    drafters_reminder, account_email, staff_email = (
        world.purged_emails[2],
        *world.kept_emails[1:],
    )
    erased_confirmation = [m.id for m in rows(app, OutboxMessage) if m.template == "account_erased"]
    assert outbox_ids(app) == sorted(
        [drafters_reminder, account_email, staff_email, *erased_confirmation]
    )
    assert not set(about_hers) & set(outbox_ids(app))
    forgotten = stored(app, OutboxMessage, account_email)
    assert (forgotten.recipient, forgotten.payload) == ("", {})
    assert stored(app, OutboxMessage, staff_email).recipient == world.recruiter.email
    assert audit_of(app, [*world.gone_ids[:1], world.kept_id]) == [
        (adjustments.ACKNOWLEDGED_EVENT, world.recruiter.id, None),
        (adjustments.ACKNOWLEDGED_EVENT, world.recruiter.id, None),
        (guarantee.OVERRIDE_EVENT, world.recruiter.id, None),
    ]
    assert OVERRIDE_REASON not in repr([(e.detail,) for e in rows(app, AuditEvent)])


def _email(status: OutboxStatus, age: timedelta, template: str = "status_changed") -> int:
    """An email to someone, `age` old: written then, and sent then if it was sent."""
    then = utcnow() - age
    row = OutboxMessage(
        template=template,
        recipient="someone@example.org",
        payload={"full_name": "Sam Someone", "reference": "APP-000001"},
        status=status,
        created_at=then,
        sent_at=then if status is OutboxStatus.SENT else None,
    )
    db.session.add(row)
    db.session.flush()
    return row.id


@pytest.mark.parametrize("days", [90, 30])
def test_the_sweep_forgets_finished_emails_after_the_retention_period(
    app_factory: AppFactory, days: int
) -> None:
    from worker.privacy_tasks import sweep

    app = app_factory(SENT_EMAIL_RETENTION_DAYS=days)
    old, young = timedelta(days=days + 1), timedelta(days=days - 1)
    with app.app_context():
        forgotten = {
            "sent long ago": _email(OutboxStatus.SENT, old),
            "failed long ago": _email(OutboxStatus.FAILED, old),
            "erasure confirmation": _email(OutboxStatus.SENT, timedelta(0), "account_erased"),
        }
        kept = {
            "sent lately": _email(OutboxStatus.SENT, young),
            "failed lately": _email(OutboxStatus.FAILED, young),
            "pending a long time": _email(OutboxStatus.PENDING, old * 2),
            "pending confirmation": _email(OutboxStatus.PENDING, old, "account_erased"),
        }
        db.session.commit()
        assert sweep() == "swept: 0 expired, 3 forgotten, 0 republished"
        assert sweep() == "swept: 0 expired, 0 forgotten, 0 republished"
    for name, row_id in forgotten.items():
        row = stored(app, OutboxMessage, row_id)
        assert (row.recipient, row.payload) == ("", {}), name
    for name, row_id in kept.items():
        row = stored(app, OutboxMessage, row_id)
        assert row.recipient == "someone@example.org", name
        assert row.payload["full_name"] == "Sam Someone", name


def test_sent_emails_are_kept_ninety_days_by_default(app: Flask) -> None:
    assert app.config["SENT_EMAIL_RETENTION_DAYS"] == 90
