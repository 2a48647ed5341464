"""Candidate pages: ask for adjustments to the selection process after applying.

What the candidate asked on the application form, and whether they opted in to the guaranteed
interview scheme, show on their application page (`templates/portal/_adjustments.html`).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.extensions import db
from recruit.models import AdjustmentRequest, Application
from recruit.portal.blueprint import bp
from recruit.portal.forms import AdjustmentRequestForm
from recruit.services import adjustments, applications, guarantee
from recruit.web.authz import candidate_required

View = str | Response | tuple[str, int]


@dataclass(frozen=True)
class CandidateAdjustments:
    """What the candidate's application page shows of their requests and their opt-in."""

    requests: list[AdjustmentRequest]
    opted_in: bool
    may_add: bool


def _for_candidate(application: Application) -> CandidateAdjustments:
    """The candidate's own requests and opt-in; the page calls this for its owner only."""
    return CandidateAdjustments(
        requests=adjustments.requests_for(application.id),
        opted_in=guarantee.is_opted_in(application.id),
        may_add=adjustments.may_add(application),
    )


@bp.context_processor
def _adjustment_helpers() -> dict[str, object]:
    return {"candidate_adjustments": _for_candidate}


@bp.route("/applications/<int:application_id>/adjustments", methods=["GET", "POST"])
@candidate_required
def request_adjustments(application_id: int) -> View:
    """Ask for adjustments to the selection process on one of the candidate's applications."""
    found = applications.owned(application_id, current_user.id, lock=request.method == "POST")
    if found is None:
        abort(404)
    if not adjustments.may_add(found):
        flash(
            "You can ask for adjustments on the application form while it is a draft"
            if found.status is adjustments.S.DRAFT
            else "You can no longer ask for adjustments on this application",
            "info",
        )
        return redirect(url_for("portal.application", application_id=found.id))
    form = AdjustmentRequestForm()
    if form.validate_on_submit():
        try:
            adjustments.add_request(found, form.adjustments.data or "")
        except adjustments.AdjustmentError as exc:
            form.adjustments.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                "Your request has been sent to the recruitment team. We will email you when "
                "they have acknowledged it.",
                "success",
            )
            return redirect(url_for("portal.application", application_id=found.id))
    html = render_template("portal/adjustments.html", form=form, application=found)
    return (html, 400) if form.errors else html
