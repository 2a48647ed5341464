"""Health check for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from recruit.api import bp
from recruit.dispatch import celery_client
from recruit.extensions import db
from recruit.services import outbox_status


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
            "last_heartbeat": last.isoformat(timespec="seconds") if last else None,
            "heartbeat_age_seconds": found.heartbeat_age_seconds,
        },
    }


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """JSON status: 200 when the database and broker answer, 503 otherwise, plus the backlog."""
    database = database_status()
    broker = broker_status()
    healthy = database["ok"] and broker["ok"]
    body = {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker}
    if database["ok"]:
        body.update(background_status())
    return jsonify(body), 200 if healthy else 503
