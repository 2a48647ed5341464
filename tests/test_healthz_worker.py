"""/healthz reports the outbox backlog and the last worker heartbeat, without deciding on them.

The details are for an admin or a monitor holding RECRUIT_HEALTH_TOKEN (tests/test_health.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus, utcnow
from recruit.models.outbox import WorkerHeartbeat
from recruit.outbox.status import HEARTBEAT_KEEP, record_heartbeat
from recruit.outbox.store import enqueue_email
from tests.conftest import AppFactory
from worker.celery_app import celery_init_app
from worker.tasks import heartbeat

TOKEN = "health-token-for-tests"


@pytest.fixture
def app(app_factory: AppFactory) -> Flask:
    """An app whose /healthz shows its details to the TOKEN bearer."""
    return app_factory(HEALTH_TOKEN=TOKEN)


def health(client: FlaskClient) -> tuple[int, dict[str, Any]]:
    """Status code and JSON body of /healthz, as a monitor holding the token sees it."""
    response = client.get("/healthz", headers={"Authorization": f"Bearer {TOKEN}"})
    return response.status_code, response.get_json()


def test_an_idle_system_reports_no_backlog_and_no_heartbeat(app_factory: AppFactory) -> None:
    # However long this test takes to get here, the workers count as just started.
    client = app_factory(HEALTH_TOKEN=TOKEN, HEALTH_WORKER_GRACE_SECONDS=3600).test_client()
    code, body = health(client)
    assert code == 200
    assert body["status"] == "ok"
    assert body["outbox"] == {"oldest_pending_age_seconds": None, "pending": 0, "failed": 0}
    # Before the first heartbeat the worker is "starting", not silently fine, and not failing.
    assert body["worker"] == {
        "status": "starting",
        "last_heartbeat": None,
        "heartbeat_age_seconds": None,
    }


def test_no_heartbeat_after_the_start_is_reported_missing(app_factory: AppFactory) -> None:
    client = app_factory(HEALTH_TOKEN=TOKEN, HEALTH_WORKER_GRACE_SECONDS=0).test_client()
    code, body = health(client)
    assert code == 200  # informative: the load balancer still sends the web its traffic
    assert body["worker"]["status"] == "missing"


def test_an_old_heartbeat_is_reported_late(app_factory: AppFactory) -> None:
    app = app_factory(HEALTH_TOKEN=TOKEN, HEALTH_WORKER_GRACE_SECONDS=0)
    with app.app_context():
        record_heartbeat("slow@host")
        db.session.execute(update(WorkerHeartbeat).values(seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    code, body = health(app.test_client())
    assert code == 200
    assert body["worker"]["status"] == "late"
    assert body["worker"]["heartbeat_age_seconds"] >= 3600


def test_backlog_and_failures_are_reported_but_do_not_make_it_unhealthy(
    app: Flask, client: FlaskClient
) -> None:
    with app.app_context():
        old = enqueue_email("password_changed", "a@example.org", full_name="A")
        enqueue_email("password_changed", "b@example.org", full_name="B")
        failed = enqueue_email("password_changed", "c@example.org", full_name="C")
        db.session.commit()
        ten_minutes_ago = utcnow() - timedelta(minutes=10)
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == old.id)
            .values(created_at=ten_minutes_ago)
        )
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == failed.id)
            .values(status=OutboxStatus.FAILED)
        )
        db.session.commit()
    code, body = health(client)
    assert code == 200
    assert body["outbox"]["pending"] == 2 and body["outbox"]["failed"] == 1
    assert 590 <= body["outbox"]["oldest_pending_age_seconds"] <= 3600


def test_the_heartbeat_task_is_reported(app: Flask, client: FlaskClient) -> None:
    celery_init_app(app)
    heartbeat.apply()  # runs here, as a worker would
    code, body = health(client)
    assert code == 200
    assert body["worker"]["status"] == "ok"
    assert body["worker"]["last_heartbeat"] is not None
    assert 0 <= body["worker"]["heartbeat_age_seconds"] < 3600


def test_heartbeats_update_in_place_and_old_workers_are_forgotten(app: Flask) -> None:
    celery_init_app(app)
    with app.app_context():
        record_heartbeat("gone@host")
        db.session.commit()
        db.session.execute(
            update(WorkerHeartbeat).values(seen_at=utcnow() - HEARTBEAT_KEEP - timedelta(hours=1))
        )
        db.session.commit()
    for _ in range(3):
        heartbeat.apply()
    with app.app_context():
        names = db.session.scalars(select(WorkerHeartbeat.worker)).all()
        assert len(names) == 1 and names[0] != "gone@host"
