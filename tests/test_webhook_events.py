"""Webhook events end to end in one process: emitted with the change, fanned out by the outbox
deliverer, sent to a real loopback receiver in event-id order, retried, given up, redelivered.

The worker's own functions run here directly (`deliver_one`, `pump`); the integration test
runs them in a real Celery worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    DeliveryStatus,
    ExportJob,
    OutboxMessage,
    User,
    Vacancy,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    utcnow,
)
from recruit.outbox.delivery import Verdict, deliver_one
from recruit.services import pipeline, submitting, vacancies
from recruit.webhooks import endpoints
from recruit.webhooks.endpoints import EndpointInput
from recruit.webhooks.fanout import record_event
from recruit.webhooks.sending import due_endpoints, pump
from testkit.factories import Factory
from tests.support.portal import announce_submissions
from tests.support.webhooks import Receiver, receiver

ALL = (
    "application.submitted",
    "application.stage_changed",
    "vacancy.closed",
    "export.ready",
)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Loopback allowed (the receiver), and retries a few hundredths of a second apart."""
    return {
        **app_config,
        "WEBHOOK_ALLOW_LOOPBACK": True,
        "WEBHOOK_RETRY_BASE_SECONDS": 0.05,
        "WEBHOOK_RETRY_MAX_DELAY_SECONDS": 0.2,
        "BASE_URL": "https://recruit.test",
    }


@pytest.fixture
def hook() -> Iterator[Receiver]:
    """A receiver thread on 127.0.0.1."""
    with receiver() as state:
        yield state


def register(app: Flask, make: Factory, url: str, events: tuple[str, ...] = ALL) -> tuple[int, str]:
    """An endpoint made through the service by a new admin; its id and secret."""
    admin_id = make.admin().id
    with app.app_context():
        admin = db.session.get(User, admin_id)
        assert admin is not None
        endpoint, secret = endpoints.register(EndpointInput(url, events), admin)
        db.session.commit()
        return endpoint.id, secret


def move(app: Flask, application_id: int, to: ApplicationStatus, actor_id: int) -> None:
    """A recruiter's move through the pipeline service, committed."""
    with app.app_context():
        application = db.session.get(Application, application_id)
        actor = db.session.get(User, actor_id)
        assert application is not None and actor is not None
        pipeline.move(application, to, actor)
        db.session.commit()


def webhook_rows(app: Flask) -> list[OutboxMessage]:
    """Outbox rows of kind webhook, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "webhook").order_by(OutboxMessage.id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def fan_out_all(app: Flask) -> None:
    """What the worker does with each pending webhook row: record the event and deliveries."""
    for row in webhook_rows(app):
        if row.status.value == "pending":
            with app.app_context():
                outcome = deliver_one(row.id, lambda message: None)
                assert outcome.verdict is Verdict.SENT, outcome


def pump_until_settled(app: Flask, endpoint_id: int, rounds: int = 50) -> None:
    """Run the endpoint's pump, waiting out its backoff, until nothing is pending."""
    for _ in range(rounds):
        with app.app_context():
            result = pump(endpoint_id)
            pending = db.session.scalar(
                select(WebhookDelivery.id).where(
                    WebhookDelivery.endpoint_id == endpoint_id,
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                )
            )
        if pending is None:
            return
        time.sleep(result.again_in or 0.05)
    raise AssertionError("deliveries still pending")


def deliveries(app: Flask, endpoint_id: int) -> list[WebhookDelivery]:
    """The endpoint's deliveries in id order, with attempts loaded."""
    with app.app_context():
        rows = db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id)
        ).all()
        for row in rows:
            _ = (row.attempt_log, row.event)
        db.session.expunge_all()
        return list(rows)


def world(make: Factory) -> tuple[Any, Any, Any, list[Any]]:
    """A recruiter's vacancy with three submitted applications."""
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    apps = [make.application(make.candidate().id, vacancy.id) for _ in range(3)]
    return recruiter, vacancy, apps[0], apps


def test_nothing_is_recorded_while_no_endpoint_wants_the_event(
    app: Flask, make: Factory, hook: Receiver
) -> None:
    recruiter, _, application, _ = world(make)
    register(app, make, hook.url, events=("vacancy.closed",))
    move(app, application.id, ApplicationStatus.UNDER_REVIEW, recruiter.id)
    assert webhook_rows(app) == []


def test_a_move_is_signed_delivered_with_ids_and_links_only(
    app: Flask, make: Factory, hook: Receiver
) -> None:
    recruiter, _, application, _ = world(make)
    endpoint_id, secret = register(app, make, hook.url)
    move(app, application.id, ApplicationStatus.UNDER_REVIEW, recruiter.id)
    [row] = webhook_rows(app)
    assert row.template == "application.stage_changed" and row.recipient == ""
    fan_out_all(app)
    pump_until_settled(app, endpoint_id)
    [event] = hook.verified(secret)
    assert event["type"] == "application.stage_changed"
    assert event["data"] == {
        "application": {
            "id": application.id,
            "vacancy_id": application.vacancy_id,
            "status": "under_review",
            "url": f"https://recruit.test/api/v1/applications/{application.id}",
        },
        "from_status": "submitted",
        "to_status": "under_review",
        "changed_at": event["data"]["changed_at"],
    }
    assert set(event) == {"id", "type", "created", "data"}
    [got] = hook.got
    assert got.headers["Recruit-Event-Id"] == str(event["id"])
    assert got.headers["Recruit-Event-Type"] == "application.stage_changed"
    with app.app_context():
        candidate = db.session.get(Application, application.id).candidate  # type: ignore[union-attr]
        for personal in (candidate.full_name, candidate.email, "I have led regional"):
            assert personal.encode() not in got.body
    [delivery] = deliveries(app, endpoint_id)
    assert delivery.status is DeliveryStatus.DELIVERED
    assert [a.status_code for a in delivery.attempt_log] == [200]


def test_deliveries_go_in_event_id_order_and_wait_for_a_failing_one(
    app: Flask, make: Factory, hook: Receiver
) -> None:
    recruiter, _, _, apps = world(make)
    endpoint_id, secret = register(app, make, hook.url)
    for application in apps:
        move(app, application.id, ApplicationStatus.UNDER_REVIEW, recruiter.id)
    fan_out_all(app)
    hook.script = [500, 503]  # the first event fails twice
    with app.app_context():
        first = pump(endpoint_id)
    assert first.again_in is not None and len(hook.got) == 1  # the others waited
    pump_until_settled(app, endpoint_id)
    events = hook.verified(secret)
    ids = [e["id"] for e in events]
    assert ids[:3] == [ids[0]] * 3 and ids[2:] == sorted(set(ids))  # 500, 503, 200, then on
    assert [e["data"]["application"]["id"] for e in events[2:]] == [a.id for a in apps]
    assert [r.answered for r in hook.got] == [500, 503, 200, 200, 200]
    rows = deliveries(app, endpoint_id)
    assert [d.status for d in rows] == [DeliveryStatus.DELIVERED] * 3
    assert [a.status_code for a in rows[0].attempt_log] == [500, 503, 200]


def test_a_delivery_is_failed_after_the_window_and_the_next_one_goes(
    app_factory: Any, make: Factory, hook: Receiver
) -> None:
    app = app_factory(WEBHOOK_RETRY_WINDOW_SECONDS=2.0)  # retries 0.05 to 0.2 s apart
    recruiter, _, _, apps = world(make)
    endpoint_id, _ = register(app, make, hook.url)
    for application in apps[:2]:
        move(app, application.id, ApplicationStatus.UNDER_REVIEW, recruiter.id)
    fan_out_all(app)
    hook.script = [500] * 100
    pump_until_settled(app, endpoint_id)
    first, second = deliveries(app, endpoint_id)
    assert first.status is DeliveryStatus.FAILED and first.attempts >= 2
    assert second.status is DeliveryStatus.FAILED  # it was tried after the first gave up
    assert all(a.status_code == 500 for a in first.attempt_log + second.attempt_log)


def test_a_redelivery_is_one_attempt_ahead_of_the_queue(
    app: Flask, make: Factory, hook: Receiver
) -> None:
    recruiter, _, application, _ = world(make)
    endpoint_id, secret = register(app, make, hook.url)
    move(app, application.id, ApplicationStatus.UNDER_REVIEW, recruiter.id)
    fan_out_all(app)
    pump_until_settled(app, endpoint_id)
    with app.app_context():
        original = db.session.scalars(select(WebhookDelivery)).one()
        again = endpoints.redeliver(original, db.session.get(User, recruiter.id))  # type: ignore[arg-type]
        db.session.commit()
        again_id = again.id
    hook.script = [500]
    pump_until_settled(app, endpoint_id)
    rows = {d.id: d for d in deliveries(app, endpoint_id)}
    assert rows[again_id].manual and rows[again_id].status is DeliveryStatus.FAILED
    assert rows[again_id].attempts == 1  # a redelivery is not retried
    events = hook.verified(secret)
    assert [e["id"] for e in events] == [rows[again_id].event_id] * 2


def test_closing_a_vacancy_emits_vacancy_closed(app: Flask, make: Factory, hook: Receiver) -> None:
    _, vacancy, _, _ = world(make)
    register(app, make, hook.url)
    with app.app_context():
        row = db.session.get(Vacancy, vacancy.id)
        assert row is not None
        vacancies.close(row)
        db.session.commit()
    [closed] = webhook_rows(app)
    assert closed.template == "vacancy.closed"
    assert closed.payload["vacancy"]["id"] == vacancy.id
    assert closed.payload["vacancy"]["url"].endswith(f"/api/v1/staff/vacancies/{vacancy.id}")


def test_a_switched_off_endpoint_gets_nothing(app: Flask, make: Factory, hook: Receiver) -> None:
    recruiter, _, application, _ = world(make)
    endpoint_id, _ = register(app, make, hook.url)
    move(app, application.id, ApplicationStatus.UNDER_REVIEW, recruiter.id)
    fan_out_all(app)
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        endpoint.active = False
        db.session.commit()
        assert pump(endpoint_id).attempted == 0
    assert hook.got == []


@pytest.mark.parametrize("subscribed", [True, False])
def test_a_send_emits_application_submitted_when_its_notice_is_announced(
    app: Flask, make: Factory, hook: Receiver, subscribed: bool
) -> None:
    """The send writes only its notice; the worker's announcement emits the event, if an
    endpoint then wants it, with the emails."""
    _, vacancy, _, _ = world(make)
    register(app, make, hook.url, events=ALL if subscribed else ("vacancy.closed",))
    candidate = make.candidate()
    draft = make.application(candidate.id, vacancy.id, status=ApplicationStatus.DRAFT)
    with app.app_context():
        assert submitting.send_draft(draft.id, candidate.id, None)
        db.session.commit()
        # Withdrawn before a worker announced the send: the event still tells of a submit.
        db.session.execute(
            update(Application)
            .where(Application.id == draft.id)
            .values(status=ApplicationStatus.WITHDRAWN)
        )
        db.session.commit()
    assert webhook_rows(app) == []
    assert announce_submissions(app) == 1
    rows = webhook_rows(app)
    if not subscribed:
        assert rows == []
        return
    [row] = rows
    assert row.template == "application.submitted"
    assert row.payload["application"]["id"] == draft.id
    assert row.payload["application"]["status"] == "submitted"


def test_an_export_made_ready_emits_export_ready(
    app: Flask, make: Factory, hook: Receiver, tmp_path: Any
) -> None:
    recruiter, vacancy, _, _ = world(make)
    register(app, make, hook.url, events=("export.ready",))
    made = make.export(vacancy.id, recruiter.id)
    built = tmp_path / "built.csv"
    built.write_text("a,b\r\n")
    with app.app_context():
        job = db.session.get(ExportJob, made.id)
        assert job is not None
        jobs.finish(job, built)
        db.session.commit()
    [row] = webhook_rows(app)
    assert row.template == "export.ready"
    assert row.payload["export"]["id"] == made.id
    assert row.payload["export"]["download_url"].endswith(f"/api/v1/exports/{made.id}/download")


def test_the_sweep_finds_due_deliveries_nobody_is_sending(
    app: Flask, make: Factory, hook: Receiver
) -> None:
    recruiter, _, application, _ = world(make)
    endpoint_id, _ = register(app, make, hook.url)
    move(app, application.id, ApplicationStatus.UNDER_REVIEW, recruiter.id)
    fan_out_all(app)
    [delivery] = deliveries(app, endpoint_id)
    with app.app_context():
        assert due_endpoints() == [delivery.id]
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        endpoint.pump_claimed_at = utcnow()  # a worker is on it
        db.session.commit()
        assert due_endpoints() == []
        endpoint.pump_claimed_at = utcnow() - timedelta(hours=1)  # that worker died
        db.session.commit()
        assert due_endpoints() == [delivery.id]
        assert pump(endpoint_id).attempted == 1
        assert due_endpoints() == []


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_later_fan_out_waits_for_an_earlier_one_and_gets_a_larger_id(
    app: Flask, make: Factory, hook: Receiver
) -> None:
    """The ordering guarantee's foundation: event ids for one endpoint are taken under its row
    lock, so an event committed later never has a smaller id than one committed earlier."""
    recruiter, _, _, apps = world(make)
    register(app, make, hook.url)
    for application in apps[:2]:
        move(app, application.id, ApplicationStatus.UNDER_REVIEW, recruiter.id)
    first_row, second_row = (row.id for row in webhook_rows(app))
    first_flushed, release_first = threading.Event(), threading.Event()
    ids: dict[str, int] = {}

    def fan_out(name: str, row_id: int, hold: bool) -> None:
        with app.app_context():
            row = db.session.get(OutboxMessage, row_id)
            assert row is not None
            record_event(row)
            db.session.flush()
            ids[name] = db.session.scalar(select(func.max(WebhookEvent.id))) or 0
            if hold:
                first_flushed.set()
                release_first.wait(10)
            db.session.commit()
            ids[name + "_done"] = time.monotonic_ns()

    # One fan-out holds the endpoint's lock with its event id taken, uncommitted; another starts.
    a = threading.Thread(target=fan_out, args=("holder", second_row, True))
    a.start()
    assert first_flushed.wait(10)
    b = threading.Thread(target=fan_out, args=("waiter", first_row, False))
    b.start()
    time.sleep(0.5)
    assert "waiter_done" not in ids  # blocked on the lock, no id taken yet
    release_first.set()
    a.join(10)
    b.join(10)
    # Without the lock the waiter would have committed event N+1 while the holder's N was
    # still invisible, and a worker could have sent N+1 first.
    assert ids["waiter_done"] > ids["holder_done"]
    assert ids["waiter"] > ids["holder"]
