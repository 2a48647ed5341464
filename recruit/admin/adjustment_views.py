"""Adjustment requests and the guaranteed-interview mark, for the vacancy's recruiters only.

The application page (`templates/admin/_application_adjustments.html`) asks the helper below,
which answers nothing to anyone `may_see_adjustments` refuses: panel members and recruiters
outside the vacancy never get a request's text or the opt-in. The board's marks come from its
own query (`recruit.services.board.adjustments_scope`, the SQL twin).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from recruit.admin.access import get_application_for_staff
from recruit.admin.adjustment_forms import AcknowledgeForm
from recruit.admin.blueprint import bp
from recruit.admin.pages import View
from recruit.extensions import db
from recruit.models import AdjustmentRequest, Application, GuaranteeOverride
from recruit.services import adjustments, guarantee
from recruit.services.access import may_see_adjustments
from recruit.web.authz import staff_required


@dataclass(frozen=True)
class StaffAdjustments:
    """What the vacancy's recruiters see about one application's requests and opt-in."""

    requests: list[AdjustmentRequest]
    opted_in: bool
    guaranteed: bool
    reason_needed: bool
    overrides: list[GuaranteeOverride]


def _for_staff(application: Application) -> StaffAdjustments | None:
    """The application's requests and opt-in, or None for anyone who may not see them."""
    if not may_see_adjustments(current_user, application.vacancy_id):
        return None
    guaranteed = guarantee.is_guaranteed(application)
    return StaffAdjustments(
        requests=adjustments.requests_for(application.id),
        opted_in=guarantee.is_opted_in(application.id),
        guaranteed=guaranteed,
        reason_needed=guaranteed and application.status in guarantee.BEFORE_INTERVIEW,
        overrides=guarantee.overrides_on(application.id),
    )


@bp.context_processor
def _adjustment_helpers() -> dict[str, object]:
    return {
        "staff_adjustments": _for_staff,
    }


@bp.route("/applications/<int:application_id>/adjustments/acknowledge", methods=["POST"])
@staff_required
def acknowledge_adjustment(application_id: int) -> View:
    """Acknowledge one of the application's adjustment requests; the candidate is emailed."""
    found = get_application_for_staff(application_id, for_update=True)
    if not may_see_adjustments(current_user, found.vacancy_id):
        abort(403)
    form = AcknowledgeForm()
    number = form.request_number()
    item = adjustments.find_for_staff(found, number) if number is not None else None
    if form.validate_on_submit():
        if item is None:
            form.request_id.errors.append("That request was not found on this application")
        else:
            try:
                adjustments.acknowledge(item, current_user, form.response.data or "")
            except adjustments.AdjustmentError as exc:
                form.response.errors.append(str(exc))
            else:
                db.session.commit()
                flash("Request acknowledged. The candidate has been emailed.", "success")
                return redirect(
                    url_for("admin.application", application_id=found.id) + "#adjustments"
                )
    db.session.rollback()
    html = render_template(
        "admin/acknowledge_adjustment.html", application=found, item=item, form=form
    )
    return html, 400
