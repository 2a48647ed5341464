"""The admission gate: every request is received at once, a few per process work at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request, request_finished
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import db_now
from recruit.web.receipt import received_at
from testkit.factories import Factory
from testkit.forms import HeldBody
from tests.conftest import AppFactory
from tests.support.accounts import log_in

SLOTS = 2
PROBE_SECONDS = 0.3


class Probe:
    """A route that holds its work slot until released, counting how many run at once."""

    def __init__(self, hold: float = PROBE_SECONDS) -> None:
        self.hold = hold
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)

    def view(self) -> str:
        """Record entry, wait to be released (or a short while), and leave."""
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.entered.release()
        self.release.wait(self.hold)
        with self.lock:
            self.running -= 1
        return "done"


@pytest.fixture
def probe() -> Probe:
    """A fresh probe."""
    return Probe()


@pytest.fixture
def gated(app_factory: AppFactory, probe: Probe) -> Flask:
    """An app with SLOTS work slots and the probe route added before any request."""
    app = app_factory(WEB_WORK_SLOTS=SLOTS)
    app.add_url_rule("/_probe", "probe", probe.view)
    return app


@pytest.fixture
def threads() -> Iterator[list[threading.Thread]]:
    """Threads started by a test, joined after it."""
    started: list[threading.Thread] = []
    yield started
    for thread in started:
        thread.join(10)


def start(threads: list[threading.Thread], target: Any) -> None:
    """Run `target` in a new thread now."""
    thread = threading.Thread(target=target)
    thread.start()
    threads.append(thread)


def test_no_more_than_the_slots_run_their_view_at_once(
    gated: Flask, probe: Probe, threads: list[threading.Thread]
) -> None:
    codes: list[int] = []
    for _ in range(SLOTS * 3):
        start(threads, lambda: codes.append(gated.test_client().get("/_probe").status_code))
    for thread in threads:
        thread.join(10)
    assert codes == [200] * (SLOTS * 3)
    assert probe.most == SLOTS


def test_health_checks_and_static_files_never_wait_for_a_slot(
    gated: Flask, probe: Probe, threads: list[threading.Thread]
) -> None:
    probe.release.clear()
    for _ in range(SLOTS):
        start(threads, lambda: gated.test_client().get("/_probe"))
    for _ in range(SLOTS):
        assert probe.entered.acquire(timeout=5)  # every slot is now held
    began = time.monotonic()
    client = gated.test_client()
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/static/build/recruit.css").status_code in (200, 404)
    waited = time.monotonic() - began
    still_held = probe.running == SLOTS
    probe.release.set()
    assert still_held, f"the probes let go before the checks ran ({waited:.2f}s)"


def test_a_waiting_request_was_received_before_it_waited(
    gated: Flask, probe: Probe, make: Factory, threads: list[threading.Thread]
) -> None:
    candidate = make.candidate()
    client = gated.test_client()
    log_in(client, candidate)
    seen: list[Any] = []

    def keep(sender: Flask, response: Any, **_: Any) -> None:
        if request.path == "/applications":
            seen.append(received_at())

    for _ in range(SLOTS):
        start(threads, lambda: gated.test_client().get("/_probe"))
    for _ in range(SLOTS):
        assert probe.entered.acquire(timeout=5)
    with request_finished.connected_to(keep, gated):
        start(threads, lambda: client.get("/applications"))
        time.sleep(0.1)  # the request is in, waiting for a slot
        with gated.app_context():
            released_at = db.session.execute(select(db_now())).scalar_one()
            db.session.rollback()
        probe.release.set()
        threads[-1].join(10)
    assert len(seen) == 1 and seen[0] is not None
    assert seen[0] < released_at  # its receipt was read before the slot freed


def test_a_view_that_fails_gives_its_slot_back(app_factory: AppFactory) -> None:
    app = app_factory(WEB_WORK_SLOTS=1)

    def broken() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/_broken", "broken", broken)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/_broken").status_code == 500
    assert client.get("/vacancies").status_code == 200  # the slot came back every time


def test_a_request_that_cannot_get_a_slot_in_time_gets_the_friendly_503(
    app_factory: AppFactory, threads: list[threading.Thread]
) -> None:
    app = app_factory(WEB_WORK_SLOTS=1, WEB_WORK_WAIT_SECONDS=0.2)
    holder = Probe(hold=5.0)
    app.add_url_rule("/_probe", "probe", holder.view)
    start(threads, lambda: app.test_client().get("/_probe"))
    assert holder.entered.acquire(timeout=5)
    response = app.test_client().get("/vacancies")
    holder.release.set()
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.get_data(as_text=True)


def test_a_slow_upload_does_not_hold_a_slot(
    app_factory: AppFactory, make: Factory, threads: list[threading.Thread]
) -> None:
    app = app_factory(WEB_WORK_SLOTS=1, WEB_WORK_WAIT_SECONDS=5)
    client = app.test_client()
    log_in(client, make.candidate())
    arrived = threading.Event()
    body = b"statement=" + b"x" * 1000

    codes: list[int] = []
    start(
        threads,
        lambda: codes.append(
            client.post(
                "/vacancies/ME-0000-0000/apply",
                input_stream=HeldBody(body, lambda: arrived.wait(10)),  # still arriving
                content_type="application/x-www-form-urlencoded",
                content_length=len(body),
            ).status_code
        ),
    )
    time.sleep(0.2)  # the upload has started
    other = app.test_client().get("/vacancies")  # the only slot must still be free
    arrived.set()
    threads[-1].join(10)
    assert other.status_code == 200
    assert codes and codes[0] != 503  # the upload got its turn once it had arrived
