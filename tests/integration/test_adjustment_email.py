"""End to end: a recruiter acknowledges a request for adjustments, a real worker emails the
candidate over SMTP, and the email never repeats what the candidate asked for."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recruit.models import ApplicationStatus, OutboxStatus
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.rows import outbox
from tests.support.smtp import SMTPServer
from tests.support.worker import running_worker, wait_until

pytestmark = pytest.mark.integration

ASKED = "A quiet room and a screen reader, please (marker K9W2)"


def test_the_candidate_is_emailed_when_a_request_is_acknowledged(
    app: Flask, client: FlaskClient, make: Factory, smtp: SMTPServer, tmp_path: Path
) -> None:
    recruiter = make.recruiter()
    candidate = make.candidate(email="ngozi@example.org")
    vacancy = make.vacancy(title="Head of Net Zero", recruiter_ids=(recruiter.id,))
    application = make.application(candidate.id, vacancy.id, ApplicationStatus.UNDER_REVIEW)
    asked = make.adjustment(application.id, ASKED)
    log_in(client, recruiter)
    url = f"/admin/applications/{application.id}"
    with running_worker(app, tmp_path / "worker"):
        response = submit(
            client,
            url,
            {"request_id": str(asked.id), "response": "Room 4 is booked for you."},
            action=f"{url}/adjustments/acknowledge",
        )
        assert response.status_code == 302
        email = smtp.wait_for(lambda m: m.rcpt_tos == ["ngozi@example.org"])
        wait_until(
            lambda: (
                [r.status for r in outbox(app, "adjustment_acknowledged")] == [OutboxStatus.SENT]
            )
        )
    assert email.message["Subject"] == "Your request for adjustments: Head of Net Zero"
    assert "has acknowledged your request for adjustments" in email.text
    assert f"/applications/{application.id}" in email.text
    for body in (email.text, email.html):
        assert "K9W2" not in body and "Room 4" not in body
