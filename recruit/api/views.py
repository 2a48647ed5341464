"""Health check for load balancers and orchestrators."""

from __future__ import annotations

import hmac
import time
from typing import Any

from flask import current_app, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from recruit.api.blueprint import bp
from recruit.celery_config import HEARTBEAT_SECONDS
from recruit.extensions import db
from recruit.models import Role
from recruit.outbox import status as outbox_status
from recruit.outbox.dispatch import celery_client

# A heartbeat older than this means the workers are late (three missed beats).
HEARTBEAT_LATE_SECONDS = 3 * HEARTBEAT_SECONDS
# How long after this process started a missing heartbeat means "starting", not "missing".
WORKER_START_GRACE_SECONDS = 3 * HEARTBEAT_SECONDS
STARTED = "recruit.api.started"


def _note_start(state: BlueprintSetupState) -> None:
    state.app.extensions[STARTED] = time.monotonic()


bp.record_once(_note_start)


def uptime_seconds() -> float:
    """Seconds since this app was built."""
    return time.monotonic() - float(current_app.extensions.get(STARTED, time.monotonic()))


def worker_state(heartbeat_age: float | None) -> str:
    """ok, starting (no fresh heartbeat yet, this soon after start), late or missing."""
    if heartbeat_age is not None and heartbeat_age <= HEARTBEAT_LATE_SECONDS:
        return "ok"
    grace = float(current_app.config.get("HEALTH_WORKER_GRACE_SECONDS", WORKER_START_GRACE_SECONDS))
    if uptime_seconds() < grace:
        return "starting"
    return "missing" if heartbeat_age is None else "late"


def database_status() -> dict[str, Any]:
    """Whether the database answers a trivial query."""
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except Exception as exc:  # any failure means "not reachable" to an orchestrator
        db.session.rollback()
        return {"ok": False, "backend": db.engine.dialect.name, "error": exc.__class__.__name__}


def broker_status() -> dict[str, Any]:
    """Whether the Celery broker accepts a connection."""
    client = celery_client()
    transport = "redis" if current_app.config.get("REDIS_URL") else "filesystem"
    try:
        with client.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1, timeout=float(current_app.config["PUBLISH_TIMEOUT"])
            )
        return {"ok": True, "transport": transport}
    except Exception as exc:  # any failure means "not reachable" to an orchestrator
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}


def background_status() -> dict[str, Any]:
    """The outbox backlog and the last worker heartbeat; informative, never decides health."""
    try:
        found = outbox_status.summary()
        db.session.rollback()
    except Exception as exc:  # the database check above already reports the outage
        db.session.rollback()
        return {"error": exc.__class__.__name__}
    last = found.last_heartbeat
    return {
        "outbox": {
            "oldest_pending_age_seconds": found.oldest_pending_age_seconds,
            "pending": found.counts["pending"] + found.counts["sending"],
            "failed": found.counts["failed"],
        },
        "worker": {
            "status": worker_state(found.heartbeat_age_seconds),
            "last_heartbeat": last.isoformat(timespec="seconds") if last else None,
            "heartbeat_age_seconds": found.heartbeat_age_seconds,
        },
    }


def may_see_details(database_ok: bool) -> bool:
    """Whether the caller may see the details: the RECRUIT_HEALTH_TOKEN bearer, or an admin."""
    token = str(current_app.config.get("HEALTH_TOKEN") or "")
    scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        return hmac.compare_digest(offered.strip().encode(), token.encode())
    if not database_ok or not request.cookies:
        return False  # no session to look up, or nowhere to look it up
    try:
        return bool(current_user.is_authenticated and current_user.role is Role.ADMIN)
    except SQLAlchemyError:  # the database went away since its check: answer as to anyone
        db.session.rollback()
        return False


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """200 when the database and broker answer, 503 otherwise; details for admins and monitors.

    Anyone (a load balancer) learns only ok or unavailable. The reasons, the outbox backlog and
    the workers' heartbeat are for an admin's session or the RECRUIT_HEALTH_TOKEN bearer token.
    """
    database = database_status()
    broker = broker_status()
    healthy = database["ok"] and broker["ok"]
    body: dict[str, Any] = {"status": "ok" if healthy else "unavailable"}
    if may_see_details(database["ok"]):
        body.update(database=database, broker=broker)
        if database["ok"]:
            body.update(background_status())
    return jsonify(body), 200 if healthy else 503
