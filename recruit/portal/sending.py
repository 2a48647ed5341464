"""Check your answers, "Accept and send" (the submit the deadline judges), the confirmation."""

from __future__ import annotations

from datetime import datetime

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Vacancy
from recruit.portal.applying import already_sent
from recruit.portal.blueprint import bp
from recruit.portal.forms import SendForm, missing_answers
from recruit.services import adjustments, applications, apply_form, guarantee, submitting
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


def _sent(reference: str, received: datetime | None) -> Response | None:
    """Submit the saved draft if it is complete, still a draft and received before closing;
    None when it was not sent (the page then says why)."""
    candidate_id = current_user.id
    sent_id = submitting.send_if_complete(reference, candidate_id, received)
    if sent_id is None:
        sent_id = _sent_after_reading(reference, candidate_id, received)
    if sent_id is None:
        return None
    db.session.commit()
    return redirect(url_for("portal.submitted", application_id=sent_id))


def _sent_after_reading(reference: str, candidate_id: int, received: datetime | None) -> int | None:
    """The send read first and checked in Python: SQLite, and PostgreSQL when the one-statement
    send wrote nothing (the draft incomplete, already sent, or the request late)."""
    draft = submitting.draft_to_send(reference, candidate_id)
    if draft is None or missing_answers(
        draft.statement, draft.has_cv, draft.essential, draft.evidence
    ):
        return None
    if not submitting.send_draft(draft.application_id, candidate_id, received):
        # It wrote nothing; end the transaction now, as on SQLite even an UPDATE that matched
        # no row holds the database's write lock until it ends.
        db.session.rollback()
        return None
    return draft.application_id


@bp.route("/vacancies/<reference>/apply/check", methods=["GET", "POST"])
@candidate_required
def check_answers(reference: str) -> View:
    """Check the saved answers, with links to change each; "Accept and send" submits them.

    The send carries no answers: it submits the draft as saved, and it is judged by its own
    receipt, so a candidate who presses it before the closing time has applied on time. Its
    form token was checked before the view ran (CSRFProtect). A send that is refused writes
    nothing, and the page is then read as for a GET to say why.
    """
    received = received_at()
    sending = request.method == "POST"
    if sending:
        sent = _sent(reference, received)
        if sent is not None:
            return sent
    found = apply_form.for_apply_form(reference, current_user.id, received)
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
    essential = tuple((c.id, c.text) for c in vacancy.essential_criteria)
    missing = missing_answers(
        draft.statement, draft.cv_file_id is not None, essential, found.evidence
    )
    if sending and not is_open:
        form.form_errors.append(applications.closed_message(vacancy))
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
