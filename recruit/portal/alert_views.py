"""Job alerts: a candidate saves a search, lists and deletes alerts; one-click unsubscribe.

The unsubscribe link is the RFC 8058 one: a mail client POSTs `List-Unsubscribe=One-Click` to
it with no session and no CSRF token, so that one view is exempt from CSRF; the signed token
in its query string is the credential, and it can only turn off the one alert it names. A GET
only shows a page with a button, so link scanners never unsubscribe anybody.
"""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.extensions import csrf, db
from recruit.portal.alert_forms import DeleteAlertForm, SaveAlertForm
from recruit.portal.blueprint import bp
from recruit.services import alerts
from recruit.services.vacancy_search import VacancyQuery
from recruit.web.authz import candidate_required

log = logging.getLogger(__name__)

View = str | Response | tuple[str, int]


def _alerts_page(errors: list[str] | None = None) -> View:
    mine = alerts.for_user(current_user.id)
    html = render_template(
        "portal/alerts.html",
        alerts=[(alert, alerts.describe(alert)) for alert in mine],
        delete_form=DeleteAlertForm(),
        errors=errors or [],
        max_alerts=alerts.MAX_ALERTS,
    )
    return (html, 400) if errors else html


@bp.route("/account/alerts")
@candidate_required
def alerts_page() -> View:
    """The candidate's job alerts, each with a delete button."""
    return _alerts_page()


@bp.route("/account/alerts/new", methods=["POST"])
@candidate_required
def save_alert() -> View:
    """Save the vacancy list's search as a job alert."""
    form = SaveAlertForm()
    if not form.validate_on_submit():
        return _alerts_page([m for messages in form.errors.values() for m in messages])
    query = VacancyQuery(
        text=form.q.data or "", theme=form.theme.data or "", sector=form.sector.data or ""
    )
    try:
        saved = alerts.save(current_user, query)
    except alerts.AlertError as exc:
        db.session.rollback()
        return _alerts_page([str(exc)])
    db.session.commit()
    described = alerts.describe(saved.alert)
    if saved.created:
        flash(f"Job alert saved. We will email you new vacancies for {described}.", "success")
    else:
        flash(f"You already have a job alert for {described}.", "info")
    return redirect(url_for("portal.alerts_page"))


@bp.route("/account/alerts/delete", methods=["POST"])
@candidate_required
def delete_alert() -> View:
    """Delete one of the candidate's alerts; anybody else's, or none, is not found."""
    form = DeleteAlertForm()
    if not form.validate_on_submit():
        abort(400)
    alert_id = form.chosen_id()
    found = None if alert_id is None else alerts.owned(alert_id, current_user.id)
    if found is None:
        abort(404)
    described = alerts.describe(found)
    alerts.delete(found)
    db.session.commit()
    flash(f"Job alert deleted: we will not email you about {described} again.", "success")
    return redirect(url_for("portal.alerts_page"))


@csrf.exempt  # type: ignore[untyped-decorator]
@bp.route("/alerts/unsubscribe", methods=["GET", "POST"])
def alert_unsubscribe() -> View:
    """One-click unsubscribe (RFC 8058): POST turns the alert off; GET asks first."""
    token = request.args.get("token", "")
    genuine, alert = alerts.alert_for_token(token)
    if not genuine:
        return render_template("portal/alerts_unsubscribe.html", state="invalid"), 410
    if alert is None:
        return _unsubscribe_page("gone")
    if request.method == "GET":
        return _unsubscribe_page("confirm", alerts.describe(alert), token)
    described = alerts.describe(alert)
    alerts.delete(alert)
    db.session.commit()
    log.info("job alert unsubscribed by its emailed link", extra={"alert_id": alert.id})
    return _unsubscribe_page("done", described)


def _unsubscribe_page(state: str, described: str = "", token: str = "") -> Response:
    html = render_template(
        "portal/alerts_unsubscribe.html", state=state, described=described, token=token
    )
    response = Response(html, mimetype="text/html")
    # The page's URL carries the token: never sent on as a Referer, never kept by a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
