"""Failed and stuck background jobs: the admin page with its retry button, and the CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from recruit.models import OutboxMessage, OutboxStatus, utcnow
from recruit.outbox.store import STUCK_AFTER
from testkit.factories import Factory
from testkit.forms import csrf_token_from
from tests.support.accounts import log_in
from tests.support.outbox import queued_email
from tests.support.rows import stored

LONG_AGO = STUCK_AFTER + timedelta(minutes=5)


def add_row(app: Flask, recipient: str, **fields: Any) -> int:
    """Commit an email row, then set its columns as given; return its id."""
    return queued_email(app, "password_changed", recipient, {"full_name": "Amara"}, **fields)


def problem_set(app: Flask) -> dict[str, int]:
    """One failed, one stuck pending, one stuck sending, and rows that are fine."""
    old = utcnow() - LONG_AGO
    return {
        "failed": add_row(
            app,
            "failed@example.org",
            status=OutboxStatus.FAILED,
            attempts=8,
            last_error="550 5.1.1 <failed@example.org>: no such user",
        ),
        "pending": add_row(app, "stuck@example.org", created_at=old),
        "sending": add_row(
            app, "hung@example.org", status=OutboxStatus.SENDING, claimed_at=old, created_at=old
        ),
        "fresh": add_row(app, "fresh@example.org"),
        "sent": add_row(app, "sent@example.org", status=OutboxStatus.SENT, created_at=old),
        "busy": add_row(app, "busy@example.org", status=OutboxStatus.SENDING, claimed_at=utcnow()),
    }


def test_admins_see_failed_and_stuck_jobs_only(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    problem_set(app)
    log_in(client, make.admin())
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for shown in ("failed@example.org", "stuck@example.org", "hung@example.org", "no such user"):
        assert shown in html
    for hidden in ("fresh@example.org", "sent@example.org", "busy@example.org"):
        assert hidden not in html


def test_recruiters_and_candidates_may_not_see_the_page(client: FlaskClient, make: Factory) -> None:
    assert client.get("/admin/outbox").status_code in {302, 401}
    log_in(client, make.recruiter())
    assert client.get("/admin/outbox").status_code == 403
    assert client.post("/admin/outbox/1/retry").status_code in {400, 403}


def test_retry_resets_the_row_and_hands_it_to_the_broker(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    rows = problem_set(app)
    log_in(client, make.admin())
    token = csrf_token_from(client.get("/admin/outbox").get_data(as_text=True))
    queue = Path(app.config["BROKER_DIR"]) / "queue"
    before = len(list(queue.glob("*.msg")))
    response = client.post(f"/admin/outbox/{rows['failed']}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    row = stored(app, OutboxMessage, rows["failed"])
    assert (row.status, row.attempts, row.published_at is not None) == (
        OutboxStatus.PENDING,
        0,
        True,
    )
    assert len(list(queue.glob("*.msg"))) == before + 1
    assert "will be tried again" in client.get("/admin/outbox").get_data(as_text=True)


def test_retry_refuses_sent_and_busy_rows_and_needs_a_csrf_token(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    rows = problem_set(app)
    log_in(client, make.admin())
    assert client.post(f"/admin/outbox/{rows['failed']}/retry").status_code == 400
    token = csrf_token_from(client.get("/admin/outbox").get_data(as_text=True))
    for name in ("sent", "busy"):
        response = client.post(f"/admin/outbox/{rows[name]}/retry", data={"csrf_token": token})
        assert response.status_code == 302
    assert stored(app, OutboxMessage, rows["sent"]).status is OutboxStatus.SENT
    assert stored(app, OutboxMessage, rows["busy"]).status is OutboxStatus.SENDING
    assert client.post("/admin/outbox/999999/retry", data={"csrf_token": token}).status_code == 404


def test_cli_status_lists_the_same_jobs(app: Flask) -> None:
    rows = problem_set(app)
    result = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert result.exit_code == 0, result.output
    assert "failed 1" in result.output and "sent 1" in result.output
    assert "Last worker heartbeat: never" in result.output
    listed = {
        int(line.split()[0]) for line in result.output.splitlines() if line[:8].strip().isdigit()
    }
    assert listed == {rows["failed"], rows["pending"], rows["sending"]}


def test_cli_retry_requeues_and_reports(app: Flask) -> None:
    rows = problem_set(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "retry", str(rows["failed"]), str(rows["sent"])])
    assert result.exit_code == 0, result.output
    assert f"{rows['failed']}: queued again" in result.output
    assert f"{rows['sent']}: not retried" in result.output
    assert stored(app, OutboxMessage, rows["failed"]).status is OutboxStatus.PENDING
    assert runner.invoke(args=["outbox", "retry", "999999"]).exit_code != 0


def test_cli_status_with_nothing_wrong(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert result.exit_code == 0 and "No failed or stuck jobs." in result.output
