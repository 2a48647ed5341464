"""Reset requests are acted on by a worker, and one inbox gets at most one reset email a while.

The penetration test sent twelve reset emails to one address in 20 seconds. Each request now
writes one `reset_request` outbox row, whoever it names; the worker's task (run here in this
process, as `tests.support.resets` does) sends a link only if the address has an account that
had none in the last RESET_EMAIL_INTERVAL_SECONDS.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from recruit.extensions import db
from recruit.models import AccountToken, OutboxMessage, OutboxStatus, User
from testkit.factories import Factory
from testkit.forms import submit
from tests.conftest import AppFactory
from tests.support.resets import fulfil_reset_requests, pending_reset_requests
from tests.support.rows import outbox


def ask(app: Flask, email: str, times: int = 1) -> set[tuple[int, str]]:
    """Ask for a reset link `times` times from fresh browsers; the distinct answers."""
    answers = set()
    for _ in range(times):
        response = submit(app.test_client(), "/forgot-password", {"email": email})
        answers.add((response.status_code, response.headers.get("Location", "")))
    return answers


def test_twelve_requests_for_one_inbox_send_one_email(app: Flask, make: Factory) -> None:
    user = make.candidate()
    assert ask(app, user.email, times=12) == {(302, "/check-your-email")}
    assert fulfil_reset_requests(app) == ["reset sent"] + ["reset limited"] * 11
    assert [row.recipient for row in outbox(app, "password_reset")] == [user.email]


def test_another_link_is_sent_once_the_interval_has_passed(app: Flask, make: Factory) -> None:
    user = make.candidate()
    ask(app, user.email)
    assert fulfil_reset_requests(app) == ["reset sent"]
    with app.app_context():  # five minutes and a second pass
        for token in db.session.scalars(select(AccountToken)):
            token.created_at -= timedelta(seconds=301)
        db.session.commit()
    ask(app, user.email)
    assert fulfil_reset_requests(app) == ["reset sent"]
    assert len(outbox(app, "password_reset")) == 2


def test_the_interval_is_a_setting(app_factory: AppFactory) -> None:
    app = app_factory(RESET_EMAIL_INTERVAL_SECONDS=0)
    user = Factory(app).candidate()
    ask(app, user.email, times=2)
    assert fulfil_reset_requests(app) == ["reset sent", "reset sent"]


def test_unknown_and_disabled_addresses_get_nothing_and_are_not_kept(
    app: Flask, make: Factory
) -> None:
    disabled = make.candidate()
    with app.app_context():
        db.session.execute(update(User).where(User.id == disabled.id).values(is_disabled=True))
        db.session.commit()
    ask(app, "nobody.here@example.org")
    ask(app, disabled.email)
    assert fulfil_reset_requests(app) == ["reset unknown", "reset unknown"]
    assert outbox(app, "password_reset") == []
    with app.app_context():
        done = db.session.execute(select(OutboxMessage.status, OutboxMessage.recipient)).all()
    assert done == [(OutboxStatus.SENT, ""), (OutboxStatus.SENT, "")]


@pytest.mark.parametrize("backend", ["postgresql"])
def test_workers_acting_at_once_send_one_email(app: Flask, make: Factory) -> None:
    """Four workers take eight requests for one inbox at the same moment: one email."""
    from worker.celery_app import celery_init_app
    from worker.tasks import deliver

    user = make.candidate()
    ask(app, user.email, times=8)
    celery_init_app(app)
    ids = pending_reset_requests(app)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def work(mine: list[int]) -> None:
        start.wait(timeout=30)
        outcomes.extend(str(deliver(outbox_id)) for outbox_id in mine)

    threads = [threading.Thread(target=work, args=(ids[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["reset limited"] * 7 + ["reset sent"]
    assert len(outbox(app, "password_reset")) == 1


def test_the_form_says_how_often_a_link_is_sent(app_factory: AppFactory) -> None:
    default = app_factory().test_client().get("/forgot-password").get_data(as_text=True)
    hourly = app_factory(RESET_EMAIL_INTERVAL_SECONDS=3600).test_client().get("/forgot-password")
    assert "We send one link every 5 minutes at most" in default
    assert "We send one link every 1 hour at most" in hourly.get_data(as_text=True)
