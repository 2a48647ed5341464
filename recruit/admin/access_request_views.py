"""Admin only: subject access requests received by post or email, and every request's status."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.admin.access_request_forms import AccessRequestForm
from recruit.admin.blueprint import bp
from recruit.admin.pages import View
from recruit.extensions import db
from recruit.formatting import uk_date
from recruit.models.privacy import AccessChannel, AccessRequest, AccessRequestStatus
from recruit.privacy import access_requests
from recruit.services.access import may_handle_access_requests
from recruit.services.accounts import find_user_by_email
from recruit.web.authz import admin_required
from recruit.web.packs import send_access_pack


@bp.context_processor
def _overdue_access_requests() -> dict[str, Any]:
    # A function, not a list: only the dashboard's panel calls it, so other pages pay nothing.
    return {
        "overdue_access_requests": access_requests.overdue,
        "may_handle_access_requests": may_handle_access_requests,
    }


def require_handler() -> None:
    """403 unless the current user may handle subject access requests."""
    if not may_handle_access_requests(current_user):
        abort(403)


@bp.route("/access-requests", methods=["GET", "POST"])
@admin_required
def access_requests_page() -> View:
    """Log a request received by post or email (a pack is built at once); list every request."""
    require_handler()
    form = AccessRequestForm()
    if form.validate_on_submit():
        person = find_user_by_email(form.email.data or "")
        if person is None or person.erased_at is not None:
            form.email.errors.append("No account uses this email address")
        else:
            assert form.received_at is not None
            found = access_requests.request_pack(
                person, current_user, AccessChannel(form.channel.data), form.received_at
            )
            db.session.commit()
            flash(
                f"Request {found.id} logged. Its pack is being built; the answer is due by "
                f"{uk_date(found.due_at)}.",
                "success",
            )
            return redirect(url_for("admin.access_requests_page"))
    rows = access_requests.recent()
    html = render_template(
        "admin/access_requests.html",
        form=form,
        rows=rows,
        overdue_ids={r.id for r in access_requests.overdue()},
        expired_ids={r.id for r, _ in rows if access_requests.is_expired(r)},
    )
    return (html, 400) if form.errors else html


@bp.route("/access-requests/<int:access_request_id>/download")
@admin_required
def download_access_request(access_request_id: int) -> Response:
    """An admin downloads a pack to send it on by post or email; audited like any download."""
    require_handler()
    found = db.session.get(AccessRequest, access_request_id)
    if found is None:
        abort(404)
    if access_requests.is_expired(found):
        page = render_template("admin/access_request_expired.html", found=found)
        return make_response(page, 410)
    if found.status is not AccessRequestStatus.READY or not found.file_name:
        flash("That pack is not ready yet.", "info")
        return redirect(url_for("admin.access_requests_page"))
    return send_access_pack(found, current_user, "access pack downloaded by an admin")
