"""Admin only: background jobs that failed or are stuck, with a button to try each again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from recruit.admin.blueprint import bp
from recruit.outbox import status as outbox_status
from recruit.outbox.republish import UnknownOutboxRowError, retry_rows
from recruit.outbox.store import STUCK_AFTER
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
    try:
        report = retry_rows([outbox_id])
    except UnknownOutboxRowError:
        abort(404)
    if report.refused:
        flash(f"Job {outbox_id} was not retried: it has been sent or is being sent now.", "info")
    else:
        flash(f"Job {outbox_id} will be tried again.", "success")
    return redirect(url_for("admin.outbox"))
