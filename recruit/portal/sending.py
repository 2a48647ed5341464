"""Check your answers, "Accept and send" (the submit the deadline judges), the confirmation."""

from __future__ import annotations

from datetime import datetime

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Vacancy
from recruit.portal.applying import already_sent, refused
from recruit.portal.blueprint import bp
from recruit.portal.forms import SendForm, missing_answers
from recruit.services import adjustments, applications, guarantee, submitting
from recruit.services.applications import ApplicationClosedError
from recruit.web.authz import candidate_required
from recruit.web.receipt import received_at

View = str | Response | tuple[str, int]
S = ApplicationStatus


def _after_sent(application: Application | None) -> Response:
    """A send that found the application no longer a draft: a second click sees the result."""
    if application is not None and application.status is S.SUBMITTED:
        return redirect(url_for("portal.submitted", application_id=application.id))
    return already_sent(application)


def _page(
    vacancy: Vacancy, draft: Application, form: SendForm, missing: list[tuple[str, str]]
) -> View:
    """The check-answers page; 400 when a send was refused or the answers are incomplete."""
    html = render_template(
        "portal/check_answers.html",
        vacancy=vacancy,
        application=draft,
        form=form,
        missing=missing,
        adjustment=adjustments.form_request(draft.id),
        opted_in=guarantee.is_opted_in(draft.id),
    )
    refused = request.method == "POST" and (form.errors or form.form_errors or missing)
    return (html, 400) if refused else html


def _send(
    vacancy: Vacancy, draft: Application, form: SendForm, received: datetime | None
) -> Response | None:
    """Submit the saved draft; None when refused (the form then carries the reason)."""
    try:
        submitting.send(draft, current_user._get_current_object(), received)
    except ApplicationClosedError as exc:
        return refused(exc, vacancy, form, _after_sent)
    application_id = draft.id
    db.session.commit()
    return redirect(url_for("portal.submitted", application_id=application_id))


@bp.route("/vacancies/<reference>/apply/check", methods=["GET", "POST"])
@candidate_required
def check_answers(reference: str) -> View:
    """Check the saved answers, with links to change each; "Accept and send" submits them.

    The send carries no answers: it submits the draft as saved, and it is judged by its own
    receipt, so a candidate who presses it before the closing time has applied on time.
    """
    received = received_at()
    sending = request.method == "POST"
    found = submitting.for_apply_form(reference, current_user.id, received, sending=sending)
    if found is None:
        abort(404)
    vacancy, is_open, draft = found.vacancy, found.is_open, found.application
    if draft is None:
        return redirect(url_for("portal.apply", reference=reference))
    if draft.status is not S.DRAFT:
        return _after_sent(draft) if sending else already_sent(draft)
    if not is_open and not sending:
        return render_template("portal/apply_closed.html", vacancy=vacancy, application=draft)
    form = SendForm()
    missing = missing_answers(vacancy, draft, found.evidence)
    if sending and not is_open:
        form.form_errors.append(applications.closed_message(vacancy))
    elif sending and form.validate_on_submit() and not missing:
        sent = _send(vacancy, draft, form, received)
        if sent is not None:
            return sent
    return _page(vacancy, draft, form, missing)


@bp.route("/applications/<int:application_id>/submitted")
@candidate_required
def submitted(application_id: int) -> View:
    """The confirmation: the reference, the email we sent, and what happens next."""
    found = applications.load_detail(application_id, current_user.id)
    if found is None:
        abort(404)
    if found.status is not S.SUBMITTED:
        # A draft has nothing to confirm; a later stage has its own page to say where it is.
        return redirect(url_for("portal.application", application_id=found.id))
    return render_template("portal/submitted.html", application=found, vacancy=found.vacancy)
