"""End to end: the web tier records emails, a real worker process sends them, links work.

Most tests run a `celery -A worker.main worker` process against Redis and an aiosmtpd server;
one runs the embedded default (filesystem broker and .eml folder) with no servers at all.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import OutboxMessage, OutboxStatus, User
from recruit.services.accounts import check_credentials
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.smtp import RefusesOnce, SMTPServer
from tests.support.worker import running_worker, wait_until

pytestmark = pytest.mark.integration

PASSWORD = "copper kettle morning harbour"
NEW_PASSWORD = "lantern orchard velvet compass"
LINK_RE = re.compile(r"http://recruit\.test(/\S+)")


def link_in(text: str) -> str:
    """The path of the first link to the site in an email body."""
    match = LINK_RE.search(text)
    assert match, f"no link in:\n{text}"
    return match.group(1)


def confirm_from_link(client: FlaskClient, link: str) -> Any:
    """Open a verification link (which changes nothing), then press its confirm button."""
    page = client.get(link, follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/verify-email"
    return submit(client, "/verify-email", {})


def outbox_statuses(app: Flask) -> dict[str, OutboxStatus]:
    """Each outbox row's template and status."""
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage.template, OutboxMessage.status)).all()
        return {template: status for template, status in rows}


def register(client: FlaskClient, email: str) -> None:
    """Fill in the registration form as a browser would."""
    data = {"full_name": "Amara Okafor", "email": email, "password": PASSWORD}
    assert submit(client, "/register", data).status_code == 302


def is_verified(app: Flask, email: str) -> bool:
    """Whether the account's email address is confirmed."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return user is not None and user.email_verified_at is not None


def test_registration_email_arrives_and_its_link_activates_the_account(
    app: Flask, client: FlaskClient, smtp: SMTPServer, tmp_path: Path
) -> None:
    with running_worker(app, tmp_path / "worker") as worker:
        register(client, "amara@example.org")
        email = smtp.wait_for(lambda m: m.rcpt_tos == ["amara@example.org"])
        wait_until(lambda: outbox_statuses(app) == {"verify_email": OutboxStatus.SENT})
    assert email.message["Subject"] == "Confirm your email address"
    assert "recruit.outbox.deliver[" in worker.log()  # task ids appear in the worker log
    assert not is_verified(app, "amara@example.org")
    assert confirm_from_link(client, link_in(email.text)).status_code == 302
    assert is_verified(app, "amara@example.org")


def test_password_reset_email_link_works_once(
    app: Flask, client: FlaskClient, make: Factory, smtp: SMTPServer, tmp_path: Path
) -> None:
    user = make.candidate(email="priya@example.org")
    with running_worker(app, tmp_path / "worker"):
        submit(client, "/forgot-password", {"email": user.email})
        email = smtp.wait_for(lambda m: m.message["Subject"] == "Reset your password")
        reset_link = link_in(email.text)
        page = client.get(reset_link, follow_redirects=True).request.path  # token-free
        response = submit(client, page, {"password": NEW_PASSWORD})
        assert response.status_code == 302
        smtp.wait_for(lambda m: m.message["Subject"] == "Your password has been changed")
    assert client.get(reset_link, follow_redirects=True).status_code == 410  # the link is spent
    with app.app_context():
        assert check_credentials(user.email, NEW_PASSWORD) is not None


@pytest.mark.parametrize("smtp", [RefusesOnce], indirect=True)
def test_a_transient_smtp_failure_is_retried_by_the_worker(
    app: Flask, client: FlaskClient, smtp: SMTPServer, tmp_path: Path
) -> None:
    with running_worker(app, tmp_path / "worker"):
        register(client, "amara@example.org")
        smtp.wait_for(lambda m: m.rcpt_tos == ["amara@example.org"])
        wait_until(lambda: outbox_statuses(app) == {"verify_email": OutboxStatus.SENT})
    assert cast(RefusesOnce, smtp.handler).refused == 1
    with app.app_context():
        row = db.session.scalars(select(OutboxMessage)).one()
        assert row.attempts == 2 and row.last_error is None


@pytest.mark.parametrize("mode", ["embedded"], indirect=True)
def test_the_embedded_default_needs_no_servers(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    assert app.config["REDIS_URL"] is None and app.config["SMTP_URL"] is None
    mail_dir = Path(app.config["MAIL_DIR"])
    with running_worker(app, tmp_path / "worker"):
        register(client, "amara@example.org")
        wait_until(lambda: any(mail_dir.glob("*.eml")), message="an .eml file")
    [eml] = mail_dir.glob("*.eml")
    parsed = message_from_bytes(eml.read_bytes(), policy=policy.default)
    body = cast(EmailMessage, parsed.get_body(("plain",))).get_content()
    assert confirm_from_link(client, link_in(body)).status_code == 302
    assert is_verified(app, "amara@example.org")


def test_a_candidate_applies_and_every_email_arrives_through_the_worker(
    app: Flask, client: FlaskClient, make: Factory, smtp: SMTPServer, tmp_path: Path
) -> None:
    """The spine end to end: register, confirm, apply with a CV, hear back, be moved on."""
    from testkit.documents import pdf_bytes
    from tests.support.portal import answers, post_apply

    recruiter = make.recruiter(email="priya.shah@midlandsengine.example")
    vacancy = make.vacancy(title="Head of Skills and Talent", recruiter_ids=(recruiter.id,))
    with running_worker(app, tmp_path / "worker"):
        register(client, "amara@example.org")
        confirm = smtp.wait_for(lambda m: m.rcpt_tos == ["amara@example.org"])
        assert confirm_from_link(client, link_in(confirm.text)).status_code == 302
        credentials = {"email": "amara@example.org", "password": PASSWORD}
        assert submit(client, "/login", credentials).status_code == 302  # confirming is not login

        response = post_apply(client, vacancy, "submit", answers(vacancy), (pdf_bytes(), "cv.pdf"))
        assert response.status_code == 302, response.get_data(as_text=True)
        received = smtp.wait_for(
            lambda m: m.message["Subject"].startswith("We have received your application")
        )
        alert = smtp.wait_for(lambda m: m.rcpt_tos == [recruiter.email])

        page = client.get(link_in(received.text))
        assert page.status_code == 200
        assert "Head of Skills and Talent" in page.get_data(as_text=True)
        assert "Submitted" in page.get_data(as_text=True)

        staff = app.test_client()
        submit(staff, "/login", {"email": recruiter.email, "password": recruiter.password})
        admin_path = link_in(alert.text)
        assert "Amara Okafor" in staff.get(admin_path).get_data(as_text=True)
        moved = submit(
            staff,
            admin_path,
            {"to_status": "under_review", "note": ""},
            action=f"{admin_path}/move",
        )
        assert moved.status_code == 302
        update = smtp.wait_for(lambda m: "Being reviewed" in m.text)
        wait_until(lambda: set(outbox_statuses(app).values()) == {OutboxStatus.SENT})
    assert update.rcpt_tos == ["amara@example.org"]
    assert client.get(link_in(update.text)).status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {r.status for r in rows} == {OutboxStatus.SENT}
        # Four emails, each once, and the submit's notice from which two of them were queued.
        emails = [r for r in rows if r.kind == "email"]
        assert len({r.message_id for r in emails}) == len(emails) == 4
        assert [r.kind for r in rows if r not in emails] == ["submitted"]
