"""End to end: beat's daily job-alert task, run by a real worker, emails a saved search's new
vacancy over SMTP with RFC 8058 one-click unsubscribe headers; the one-click POST turns the
alert off; the next run sends nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import update

from recruit.celery_config import beat_schedule
from recruit.extensions import db
from recruit.models import JobAlert, OutboxStatus, utcnow
from recruit.outbox.dispatch import celery_client
from recruit.tasknames import JOB_ALERTS_TASK
from testkit.factories import Factory
from tests.support.rows import outbox, rows
from tests.support.smtp import SMTPServer
from tests.support.worker import WorkerProcess, running_worker, wait_until

pytestmark = pytest.mark.integration


def run_beat_entry(app: Flask, worker: WorkerProcess, runs: int) -> None:
    """Publish the daily entry's task as beat does, and wait until the worker has run it."""
    [entry] = [e for e in beat_schedule(app.config).values() if e["task"] == JOB_ALERTS_TASK]
    celery_client(app).send_task(entry["task"], **entry.get("options", {}))
    wait_until(lambda: worker.log().count("job alerts:") >= runs, message=f"job alert run {runs}")


def test_a_daily_alert_is_emailed_and_unsubscribed_in_one_click(
    app: Flask, make: Factory, smtp: SMTPServer, tmp_path: Path
) -> None:
    ngozi = make.candidate(email="ngozi@example.org", full_name="Ngozi Adeyemi")
    with app.app_context():
        past = utcnow() - timedelta(days=1)
        db.session.add(JobAlert(user_id=ngozi.id, theme="skills", created_at=past))
        db.session.commit()
        db.session.execute(update(JobAlert).values(checked_until=past))
        db.session.commit()
    make.vacancy(title="Head of Skills", themes=("skills",), reference="ME-A0001")
    make.vacancy(title="Head of Rail", themes=("connectivity",))

    with running_worker(app, tmp_path / "worker") as worker:
        run_beat_entry(app, worker, 1)
        email = smtp.wait_for(lambda m: m.rcpt_tos == ["ngozi@example.org"])
        wait_until(lambda: [r.status for r in outbox(app, "job_alert")] == [OutboxStatus.SENT])
        message = email.message
        assert message["Subject"] == "New vacancies for your job alert: theme Skills"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        header = str(message["List-Unsubscribe"])
        assert header.startswith("<") and header.endswith(">")
        url = header[1:-1]
        assert urlsplit(url).path == "/alerts/unsubscribe" and "token=" in url
        assert "Head of Skills" in email.text and "Head of Rail" not in email.text
        assert "/vacancies/ME-A0001" in email.text
        assert url in email.text, "the body has the same unsubscribe link, visible"

        # The next day's run: nothing new for the alert, so nothing is sent.
        run_beat_entry(app, worker, 2)
        assert "job alerts: 0 emails queued" in worker.log()

        # The mail client's one-click POST: no login, no CSRF token.
        parts = urlsplit(url)
        response = app.test_client().post(
            f"{parts.path}?{parts.query}", data={"List-Unsubscribe": "One-Click"}
        )
        assert response.status_code == 200
        assert rows(app, JobAlert) == []
        make.vacancy(title="Skills Director", themes=("skills",))
        run_beat_entry(app, worker, 3)
    assert len(smtp.received) == 1
    assert len(outbox(app, "job_alert")) == 1
    assert worker.log().count("job alerts: 0 emails queued") == 2
