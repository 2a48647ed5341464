"""The optional monitoring form, offered once an application is submitted. Owner only."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from recruit.extensions import db
from recruit.models import Application
from recruit.monitoring import responses
from recruit.monitoring.questions import QUESTIONS
from recruit.portal.blueprint import bp
from recruit.portal.monitoring_forms import MonitoringForm
from recruit.services import applications
from recruit.web.authz import candidate_required

View = str | Response | tuple[str, int]


@bp.app_template_global()
def monitoring_offer(application: Application) -> str:
    """For the application page: "offer" the form, "answered" (thanks), or "" (not yet)."""
    if not responses.may_offer(application):
        return ""
    return "answered" if responses.has_answered(application.id) else "offer"


@bp.route("/applications/<int:application_id>/monitoring", methods=["GET", "POST"])
@candidate_required
def monitoring(application_id: int) -> View:
    """Answer the monitoring questions once; afterwards the page only says thank you."""
    found = applications.owned(application_id, current_user.id)
    if found is None or not responses.may_offer(found):
        abort(404)
    if responses.has_answered(found.id):
        # The answers are never shown back, here or anywhere a candidate's pages reach.
        return render_template("portal/monitoring.html", application=found, form=None)
    form = MonitoringForm()
    if form.validate_on_submit():
        try:
            responses.record(found.id, form.answers())
            db.session.commit()
        except (responses.AlreadyAnsweredError, IntegrityError):
            # A second tab or a double click got there first: the first answers stand.
            db.session.rollback()
        return redirect(url_for("portal.monitoring", application_id=found.id))
    html = render_template(
        "portal/monitoring.html", application=found, form=form, questions=QUESTIONS
    )
    return (html, 400) if form.errors else html
