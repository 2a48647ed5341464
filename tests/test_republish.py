"""One republish path: the sweeps and an operator's retry hand rows over the same way.

`republish` publishes by task name through the web's publishing client and stamps the outbox
rows that went; `retry_rows` is the retry behind both the admin page and `flask outbox retry`.
A broker that does not answer is a real closed port, not a stand-in.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import ExportFormat, OutboxMessage, OutboxStatus, User, Vacancy
from recruit.outbox.republish import UnknownOutboxRowError, republish, retry_rows
from recruit.outbox.store import enqueue_email
from recruit.tasknames import DELIVER_TASK, EXPORT_BUILD_TASK
from testkit.factories import Factory
from tests.support.smtp import free_port


@pytest.fixture
def broker(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The filesystem broker by default; `dead` is a Redis address nothing listens on."""
    if getattr(request, "param", "filesystem") == "dead":
        yield {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    else:
        yield {}


@pytest.fixture
def app_config(app_config: dict[str, Any], broker: dict[str, str]) -> dict[str, Any]:
    """The conftest configuration plus this test's broker."""
    return {**app_config, **broker}


def add_email(app: Flask, status: OutboxStatus = OutboxStatus.PENDING, attempts: int = 0) -> int:
    """Commit an email row with the given status; return its id."""
    with app.app_context():
        row = enqueue_email("password_changed", "amara@example.org", full_name="Amara")
        row.status, row.attempts = status, attempts
        db.session.commit()
        return row.id


def queued(app: Flask) -> list[tuple[str, str]]:
    """(task name, arguments) of every message waiting in the filesystem broker, in order."""
    found = []
    for path in sorted((Path(app.config["BROKER_DIR"]) / "queue").glob("*.msg")):
        headers = json.loads(path.read_text(encoding="utf-8"))["headers"]
        found.append((headers["task"], headers["argsrepr"]))
    return found


def state(app: Flask, outbox_id: int) -> tuple[OutboxStatus, int, datetime | None]:
    """The row's status, attempts and when it was last handed over again."""
    with app.app_context():
        row = db.session.get(OutboxMessage, outbox_id)
        assert row is not None
        return row.status, row.attempts, row.published_at


def test_republish_hands_each_kind_over_by_name_and_stamps_outbox_rows(
    app: Flask, make: Factory
) -> None:
    first, second = add_email(app), add_email(app)
    recruiter = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    with app.app_context():
        job = jobs.request_export(
            db.session.get_one(Vacancy, vacancy.id),
            db.session.get_one(User, recruiter.id),
            ExportFormat.CSV,
            {},
        )
        db.session.commit()
        job_id = job.id
        before = Counter(queued(app))
        assert republish(DELIVER_TASK, [first, second]) == [first, second]
        assert republish(EXPORT_BUILD_TASK, [job_id]) == [job_id]
        db.session.commit()
    # The filesystem broker names files by time and a random id, so compare as a multiset.
    assert Counter(queued(app)) - before == Counter(
        [
            (DELIVER_TASK, f"[{first}]"),
            (DELIVER_TASK, f"[{second}]"),
            (EXPORT_BUILD_TASK, f"[{job_id}]"),
        ]
    )
    assert state(app, first)[2] is not None and state(app, second)[2] is not None


@pytest.mark.parametrize("broker", ["dead"], indirect=True)
def test_republish_stops_when_the_broker_does_not_answer(app: Flask) -> None:
    rows = [add_email(app), add_email(app)]
    with app.app_context():
        assert republish(DELIVER_TASK, rows) == []
        db.session.commit()
    assert [state(app, row)[2] for row in rows] == [None, None]  # the sweep will take them


def test_retry_changes_nothing_if_any_row_is_unknown(app: Flask) -> None:
    failed = add_email(app, OutboxStatus.FAILED, attempts=8)
    with app.app_context(), pytest.raises(UnknownOutboxRowError, match="no outbox row 999999"):
        retry_rows([failed, 999999])
    assert state(app, failed) == (OutboxStatus.FAILED, 8, None)


def test_retry_resets_failed_rows_refuses_sent_ones_and_hands_them_over(app: Flask) -> None:
    failed = add_email(app, OutboxStatus.FAILED, attempts=8)
    sent = add_email(app, OutboxStatus.SENT, attempts=1)
    with app.app_context():
        before = Counter(queued(app))
        report = retry_rows([failed, sent])
    assert (report.queued, report.refused, report.handed_over) == ([failed], [sent], [failed])
    assert not report.broker_missed
    assert Counter(queued(app)) - before == Counter([(DELIVER_TASK, f"[{failed}]")])
    status, attempts, published_at = state(app, failed)
    assert (status, attempts, published_at is not None) == (OutboxStatus.PENDING, 0, True)
    assert state(app, sent)[0] is OutboxStatus.SENT


@pytest.mark.parametrize("broker", ["dead"], indirect=True)
def test_retry_without_a_broker_leaves_the_reset_row_to_the_sweep(app: Flask) -> None:
    failed = add_email(app, OutboxStatus.FAILED, attempts=8)
    with app.app_context():
        report = retry_rows([failed])
    assert (report.queued, report.handed_over, report.broker_missed) == ([failed], [], True)
    assert state(app, failed) == (OutboxStatus.PENDING, 0, None)  # committed, not stamped
