"""The scheduled retention purge, run by a real `celery -A worker.main worker` process."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from recruit.celery_config import beat_schedule
from recruit.extensions import db
from recruit.models import PurgeReceipt, PurgeTrigger
from recruit.outbox.dispatch import celery_client
from recruit.tasknames import RETENTION_PURGE_TASK
from testkit.factories import Factory
from tests.support.retention import build_purge_world, rows_about
from tests.support.worker import running_worker, wait_until

pytestmark = pytest.mark.integration


def receipts(app: Flask) -> list[tuple[int, str, dict[str, int], str]]:
    """Every receipt as (vacancy id, trigger, counts, the whole row as text)."""
    with app.app_context():
        found = db.session.scalars(select(PurgeReceipt).order_by(PurgeReceipt.id)).all()
        listed = [
            (r.vacancy_id, r.trigger.value, dict(r.counts), json.dumps([r.reason, r.counts]))
            for r in found
        ]
        db.session.rollback()
        return listed


def test_the_worker_purges_expired_applications_when_beat_asks(
    app: Flask, make: Factory, tmp_path: Path
) -> None:
    [entry] = [e for e in beat_schedule(app.config).values() if e["task"] == RETENTION_PURGE_TASK]
    world = build_purge_world(app, make, closed_ago=timedelta(days=200))
    assert all(p.exists() for p in world.purged_files)
    with running_worker(app, tmp_path / "worker") as worker:
        # What beat does every hour: publish the entry's task by name.
        celery_client(app).send_task(entry["task"], **entry.get("options", {}))
        wait_until(lambda: receipts(app), message="a purge receipt")
        wait_until(lambda: "retention receipt" in worker.log(), message="the task's log")
    [(vacancy_id, trigger, counts, text)] = receipts(app)
    assert (vacancy_id, trigger) == (world.vacancy_id, PurgeTrigger.SCHEDULED.value)
    assert counts["applications"] == 4 and counts["cv_files"] == 2 and counts["exports"] == 1
    assert rows_about(app, world.purged_ids)["applications"] == 0
    assert [p for p in world.purged_files if p.exists()] == []
    assert all(p.exists() for p in world.kept_files)
    assert [m for m in world.markers if m in text or m in worker.log()] == []
