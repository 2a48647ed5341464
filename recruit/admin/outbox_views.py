"""Admin only: background jobs that failed or are stuck, with a button to try each again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from recruit.admin import bp
from recruit.extensions import db
from recruit.models import OutboxMessage
from recruit.outbox import status as outbox_status
from recruit.outbox.dispatch import publish
from recruit.outbox.store import STUCK_AFTER, mark_republished, reset_for_retry
from recruit.web.authz import admin_required


class RetryForm(FlaskForm):  # type: ignore[misc]
    """The retry button: no fields, just the CSRF token."""


@bp.route("/outbox")
@admin_required
def outbox() -> str:
    """Failed jobs and jobs unsent for longer than STUCK_AFTER, with the overall backlog."""
    return render_template(
        "admin/outbox.html",
        rows=outbox_status.problem_rows(),
        summary=outbox_status.summary(),
        stuck_minutes=int(STUCK_AFTER.total_seconds() // 60),
        form=RetryForm(),
    )


@bp.route("/outbox/<int:outbox_id>/retry", methods=["POST"])
@admin_required
def retry_outbox(outbox_id: int) -> Response:
    """Put a failed or stuck job back in the queue, then hand it to the broker."""
    if not RetryForm().validate_on_submit():
        abort(400)
    if db.session.get(OutboxMessage, outbox_id) is None:
        abort(404)
    if not reset_for_retry(outbox_id):
        db.session.rollback()
        flash(f"Job {outbox_id} was not retried: it has been sent or is being sent now.", "info")
        return redirect(url_for("admin.outbox"))
    db.session.commit()
    if publish([outbox_id]):
        mark_republished([outbox_id])
        db.session.commit()
    flash(f"Job {outbox_id} will be tried again.", "success")
    return redirect(url_for("admin.outbox"))
