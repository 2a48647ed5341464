"""Webhooks end to end: a real Celery worker delivers to a real receiver on 127.0.0.1 that
checks every signature, sees events in increasing id order, gets the first again after it
answered 500, and gets an admin's redelivery."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    DeliveryStatus,
    User,
    WebhookDelivery,
)
from recruit.services import pipeline
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in
from tests.support.webhooks import Receiver, receiver
from tests.support.worker import running_worker, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("backend", ["postgresql"], indirect=True),
]

SECRET_RE = re.compile(r'id="new-secret">([^<]+)<')


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Loopback allowed for the receiver; retries 0.3 s apart so the test is quick."""
    return {
        **app_config,
        "WEBHOOK_ALLOW_LOOPBACK": True,
        "WEBHOOK_RETRY_BASE_SECONDS": 0.3,
        "WEBHOOK_RETRY_MAX_DELAY_SECONDS": 1.0,
    }


@pytest.fixture
def hook() -> Iterator[Receiver]:
    """The receiver thread."""
    with receiver() as state:
        yield state


def statuses(app: Flask) -> list[tuple[int, DeliveryStatus, int, bool]]:
    """Each delivery's event id, status, attempts and whether it is a redelivery."""
    with app.app_context():
        found = db.session.execute(
            select(
                WebhookDelivery.event_id,
                WebhookDelivery.status,
                WebhookDelivery.attempts,
                WebhookDelivery.manual,
            ).order_by(WebhookDelivery.id)
        ).all()
        return [tuple(row) for row in found]  # type: ignore[misc]


def test_a_worker_delivers_signed_in_order_retries_a_500_and_redelivers(
    app: Flask, client: FlaskClient, make: Factory, hook: Receiver, tmp_path: Path
) -> None:
    log_in(client, make.admin())
    form = {"url": hook.url, "events": ["application.stage_changed"]}
    page = submit(client, "/admin/webhooks", form)
    assert page.status_code == 201
    found = SECRET_RE.search(page.get_data(as_text=True))
    assert found is not None
    secret = found.group(1)
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    apps = [make.application(make.candidate().id, vacancy.id) for _ in range(3)]
    hook.script = [500]  # the first event's first attempt fails
    with running_worker(app, tmp_path / "worker") as worker:
        with app.app_context():
            actor = db.session.get(User, recruiter.id)
            for made in apps:  # one commit each: three events, three relays
                application = db.session.get(Application, made.id)
                assert application is not None and actor is not None
                pipeline.move(application, ApplicationStatus.UNDER_REVIEW, actor)
                db.session.commit()
        wait_until(lambda: len(hook.got) >= 4, message="four POSTs")
        wait_until(
            lambda: [s[1] for s in statuses(app)] == [DeliveryStatus.DELIVERED] * 3,
            message="three deliveries recorded as delivered",
        )
        events = hook.verified(secret)  # every request carries a valid signature
        assert [r.answered for r in hook.got] == [500, 200, 200, 200]
        ids = [e["id"] for e in events]
        assert ids[0] == ids[1] and ids[1:] == sorted(ids[1:]) and len(set(ids)) == 3
        assert [e["data"]["application"]["id"] for e in events[1:]] == [a.id for a in apps]
        assert [s[2] for s in statuses(app)] == [2, 1, 1]

        # Redeliver the first event from its log page: the worker sends it once more.
        endpoint_log = client.get("/admin/webhooks").get_data(as_text=True)
        log_path = re.search(r'href="(/admin/webhooks/\d+/deliveries)"', endpoint_log)
        assert log_path is not None
        log_page = client.get(log_path.group(1)).get_data(as_text=True)
        with app.app_context():
            first = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).first()
            assert first is not None
            first_id = first.id
        redone = client.post(
            f"{log_path.group(1)}/{first_id}/redeliver",
            data={"csrf_token": csrf_token_from(log_page)},
        )
        assert redone.status_code == 302
        wait_until(lambda: len(hook.got) == 5, message="the redelivery")
        wait_until(lambda: statuses(app)[-1][1] is DeliveryStatus.DELIVERED, message="recorded")
    assert hook.verified(secret)[-1]["id"] == ids[0]
    assert "recruit.webhooks.deliver[" in worker.log()
