"""The courier: requests hand committed rows to a thread, which publishes them as they come."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask, g

from recruit.extensions import db
from recruit.outbox.courier import Courier, Parcel
from recruit.outbox.dispatch import courier
from recruit.outbox.store import enqueue_email
from recruit.tasknames import DELIVER_TASK, RELAY_TASK
from tests.support.worker import handed_over, queued_tasks, redis_settings, wait_until

LINK = "http://recruit.test/reset-password/secret-token"


class Recorder:
    """A sender that keeps what it is given; it can be held, and made to fail a few times."""

    def __init__(self, failures: int = 0) -> None:
        self.batches: list[list[int]] = []
        self.attempts = 0
        self.failures = failures
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()

    def __call__(self, parcels: list[Parcel]) -> bool:
        self.entered.set()
        self.release.wait(10)
        self.attempts += 1
        if self.attempts <= self.failures:
            return False
        self.batches.append([p.row_id for p in parcels])
        return True


def parcels(*ids: int) -> list[Parcel]:
    """Email rows from one request."""
    return [Parcel(DELIVER_TASK, row_id, "req") for row_id in ids]


def test_what_arrives_while_a_message_is_out_goes_together_in_the_next() -> None:
    sender = Recorder()
    sender.release.clear()
    courier_ = Courier(sender)
    courier_.hand(parcels(1))
    assert sender.entered.wait(10)  # the first message is on its way, and held there
    courier_.hand(parcels(2, 3))
    courier_.hand(parcels(4))
    sender.release.set()
    assert courier_.wait_idle(10)
    assert sender.batches == [[1], [2, 3, 4]]


def test_rows_handed_over_moments_apart_go_in_one_message() -> None:
    sender = Recorder()
    courier_ = Courier(sender, gather_seconds=1.0)
    courier_.hand(parcels(1))
    courier_.hand(parcels(2, 3))
    assert courier_.wait_idle(10)
    assert sender.batches == [[1, 2, 3]]


def test_a_broker_that_refuses_gets_the_same_rows_again_until_it_takes_them() -> None:
    sender = Recorder(failures=2)
    courier_ = Courier(sender, retry_seconds=0.05)
    courier_.hand(parcels(7, 8))
    assert courier_.wait_idle(10)
    assert sender.attempts == 3 and sender.batches == [[7, 8]]


def test_a_sender_that_raises_is_retried_like_a_refusal() -> None:
    calls: list[list[int]] = []

    def send(batch: list[Parcel]) -> bool:
        calls.append([p.row_id for p in batch])
        if len(calls) == 1:
            raise ConnectionError("broker gone")
        return True

    courier_ = Courier(send, retry_seconds=0.05)
    courier_.hand(parcels(5))
    assert courier_.wait_idle(10)
    assert calls == [[5], [5]]


def test_while_the_broker_is_away_only_the_newest_rows_are_kept() -> None:
    sender = Recorder(failures=1)
    sender.release.clear()
    courier_ = Courier(sender, retry_seconds=0.05, max_pending=3)
    courier_.hand(parcels(1, 2))
    assert sender.entered.wait(10)
    courier_.hand(parcels(3, 4, 5))
    sender.release.set()
    assert courier_.wait_idle(10)
    # Rows 1 and 2 are left to the sweep, which republishes rows no worker took.
    assert sender.batches == [[3, 4, 5]]


def test_wait_idle_says_so_when_the_rows_are_still_held() -> None:
    sender = Recorder()
    sender.release.clear()
    courier_ = Courier(sender)
    courier_.hand(parcels(1))
    assert sender.entered.wait(10)
    assert courier_.wait_idle(0.05) is False
    sender.release.set()
    assert courier_.wait_idle(10) is True


@pytest.fixture
def app_config(app_config: dict[str, Any], request: pytest.FixtureRequest) -> Any:
    """The conftest configuration on a Redis queue of this test's own, plus any parameter."""
    with redis_settings() as settings:
        yield {**app_config, **settings, **getattr(request, "param", {})}


def commit_in_request(app: Flask, request_id: str, *emails: str) -> list[int]:
    """Queue password-change emails and commit them while serving a request."""
    with app.test_request_context("/"):
        g.request_id = request_id
        rows = [
            enqueue_email("password_changed", email, full_name="A", reset_url=LINK)
            for email in emails
        ]
        db.session.commit()
        return [row.id for row in rows]


def test_rows_committed_in_requests_reach_the_broker_through_the_courier(app: Flask) -> None:
    assert courier(app) is not None
    first = commit_in_request(app, "a" * 32, "a@example.org")
    handed_over(app)
    second = commit_in_request(app, "b" * 32, "b@example.org", "c@example.org")
    handed_over(app)
    tasks = queued_tasks(app.config["TASK_QUEUE"])
    assert tasks == [(DELIVER_TASK, first), (RELAY_TASK, [{DELIVER_TASK: second}])]


def test_commits_outside_a_request_publish_as_they_commit(app: Flask) -> None:
    with app.app_context():
        row = enqueue_email("password_changed", "a@example.org", full_name="A", reset_url=LINK)
        db.session.commit()
        # Published already: the courier was never asked.
        assert queued_tasks(app.config["TASK_QUEUE"]) == [(DELIVER_TASK, [row.id])]


@pytest.mark.parametrize("app_config", [{"OUTBOX_COURIER": False}], indirect=True)
def test_without_the_courier_a_request_publishes_as_it_commits(app: Flask) -> None:
    assert courier(app) is None
    ids = commit_in_request(app, "c" * 32, "a@example.org")
    assert queued_tasks(app.config["TASK_QUEUE"]) == [(DELIVER_TASK, ids)]


def test_an_idle_courier_ends_its_thread_and_the_next_row_starts_another() -> None:
    sender = Recorder()
    courier_ = Courier(sender, gather_seconds=0.0, idle_seconds=0.05)
    courier_.hand(parcels(1))
    assert courier_.wait_idle(10)
    wait_until(lambda: not courier_.running, 10, "the idle courier's thread ending")
    courier_.hand(parcels(2))
    assert courier_.wait_idle(10)
    assert sender.batches == [[1], [2]]
