"""Admission control: every request is taken in at once, and a few at a time do their work.

At a closing time hundreds of candidates press "Submit" within seconds. Each request's receipt
is read from the database with its session, before any work (recruit.web.receipt), so it must not
wait behind the others just to be read. gunicorn gives each process many threads, enough to
take the whole crowd in; this gate then lets only WEB_WORK_SLOTS of them per process run their
view at once, so the CPU goes to finishing requests rather than to threads contending for the
interpreter. The rest wait, costing no CPU, in arrival order as far as the OS keeps it.
Static files and /healthz never wait: a load balancer must not think a busy process dead.
The body has been read before the wait (recruit.web.hooks), so a slow upload never holds a slot; a
request that cannot get one within WEB_WORK_WAIT_SECONDS gets the friendly 503 page.
"""

from __future__ import annotations

import threading

from flask import Flask, abort, current_app, g, request

_SLOTS_KEY = "recruit.work_slots"
_UNGATED_ENDPOINTS = frozenset({"static", "api.healthz"})


def init_admission(app: Flask) -> None:
    """Gate the work of each request behind WEB_WORK_SLOTS slots (0 means no gate)."""
    slots = int(app.config["WEB_WORK_SLOTS"])
    if slots <= 0:
        return
    app.extensions[_SLOTS_KEY] = threading.BoundedSemaphore(slots)
    app.teardown_request(_leave)


def enter() -> None:
    """Wait for a work slot; called once the session (and so the receipt) has been read."""
    gate: threading.BoundedSemaphore | None = current_app.extensions.get(_SLOTS_KEY)
    if gate is None or request.endpoint in _UNGATED_ENDPOINTS:
        return
    if not gate.acquire(timeout=float(current_app.config["WEB_WORK_WAIT_SECONDS"])):
        abort(503)
    g.holds_work_slot = True


def _leave(_error: BaseException | None) -> None:
    if g.pop("holds_work_slot", False):
        current_app.extensions[_SLOTS_KEY].release()
