"""Health check for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from sqlalchemy import text
from werkzeug.wrappers import Response

from recruit.api import bp
from recruit.dispatch import celery_client
from recruit.extensions import db


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


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    """JSON status of the database and broker: 200 when both answer, 503 otherwise."""
    database = database_status()
    broker = broker_status()
    healthy = database["ok"] and broker["ok"]
    body = {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker}
    return jsonify(body), 200 if healthy else 503
