"""The scheduled session purge, run by a real `celery -A worker.main worker` process."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import insert, select

from recruit.celery_config import beat_schedule
from recruit.extensions import db
from recruit.models import WebSession, utcnow
from recruit.outbox.dispatch import celery_client
from tests.support.worker import running_worker, wait_until

pytestmark = pytest.mark.integration

TASK = "recruit.sessions.purge"


def stored_sessions(app: Flask) -> list[str]:
    """The hashes of every stored session, by name."""
    with app.app_context():
        names = db.session.scalars(select(WebSession.id_hash).order_by(WebSession.id_hash)).all()
        db.session.rollback()
        return [name.rstrip("0") for name in names]


def test_the_worker_purges_expired_sessions_when_beat_asks(app: Flask, tmp_path: Path) -> None:
    [entry] = [e for e in beat_schedule(app.config).values() if e["task"] == TASK]
    now = utcnow()
    sessions = {
        "idle": (now - timedelta(hours=1), now - timedelta(minutes=31)),
        "old": (now - timedelta(hours=12, minutes=1), now),
        "live": (now - timedelta(hours=2), now - timedelta(minutes=1)),
    }
    with app.app_context():
        for name, (created, seen) in sessions.items():
            db.session.execute(
                insert(WebSession).values(
                    id_hash=name.ljust(64, "0"),
                    data={"csrf_token": "x"},
                    created_at=created,
                    last_seen_at=seen,
                )
            )
        db.session.commit()
    with running_worker(app, tmp_path / "worker") as worker:
        # What beat does at each interval: publish the entry's task by name, with its options.
        celery_client(app).send_task(entry["task"], **entry.get("options", {}))
        wait_until(lambda: stored_sessions(app) == ["live"], message="expired sessions purged")
        wait_until(lambda: "purged 2 expired sessions" in worker.log(), message="the task's log")
