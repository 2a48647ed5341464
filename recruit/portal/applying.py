"""Candidate pages: the application form, my applications, one application, withdraw, the CV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Vacancy
from recruit.portal.blueprint import bp
from recruit.portal.forms import (
    ADJUSTMENTS_FIELD,
    EVIDENCE_WORD_LIMIT,
    OPT_IN_FIELD,
    ApplicationForm,
    WithdrawForm,
    application_form,
    evidence_field_name,
)
from recruit.services import (
    adjustments,
    applications,
    apply_form,
    guarantee,
    pipeline,
    vacancy_search,
)
from recruit.services.applications import (
    AlreadySubmittedError,
    Answers,
    ApplicationClosedError,
)
from recruit.taxonomy import CANDIDATE_LABELS
from recruit.uploads import path_for
from recruit.web.authz import candidate_required
from recruit.web.receipt import received_at

View = str | Response | tuple[str, int]
S = ApplicationStatus

# GOV.UK tag colours: grey for inactive, blue while waiting, green for progress, red for an end.
STATUS_TAG_CLASSES: Final[dict[ApplicationStatus, str]] = {
    S.DRAFT: "govuk-tag--grey",
    S.SUBMITTED: "govuk-tag--blue",
    S.UNDER_REVIEW: "govuk-tag--light-blue",
    S.SHORTLISTED: "govuk-tag--turquoise",
    S.INTERVIEW: "govuk-tag--turquoise",
    S.OFFER: "govuk-tag--green",
    S.APPOINTED: "govuk-tag--green",
    S.UNSUCCESSFUL: "govuk-tag--red",
    S.WITHDRAWN: "govuk-tag--grey",
}


@bp.context_processor
def _status_helpers() -> dict[str, object]:
    return {
        "CANDIDATE_LABELS": CANDIDATE_LABELS,
        "STATUS_TAG_CLASSES": STATUS_TAG_CLASSES,
        "evidence_field_name": evidence_field_name,
        "EVIDENCE_WORD_LIMIT": EVIDENCE_WORD_LIMIT,
    }


ALREADY_SUBMITTED = "You have already submitted an application for this vacancy"
WITHDRAWN = (
    "You withdrew your application for this vacancy, so it will not be considered. "
    "You cannot apply for this vacancy again."
)


def _not_a_draft(status: ApplicationStatus | None) -> str:
    """Why the form is not shown again: the application was submitted, or it was withdrawn."""
    return WITHDRAWN if status is S.WITHDRAWN else ALREADY_SUBMITTED


def _prefill(application: Application | None) -> dict[str, str | bool]:
    if application is None:
        return {}
    data: dict[str, str | bool] = {"statement": application.statement}
    for item in application.evidence:
        data[evidence_field_name(item.criterion_id)] = item.text
    if request.method != "GET":
        # A posted form brings its own box and tick; reading them costs the submit two queries.
        return data
    asked = adjustments.form_request(application.id)
    data[ADJUSTMENTS_FIELD] = asked.text if asked is not None else ""
    data[OPT_IN_FIELD] = guarantee.is_opted_in(application.id)
    return data


def _cv_bytes(application: Application | None) -> int:
    """Size of the CV already on an application (replaced, so freed, by a new upload)."""
    cv = application.cv_file if application is not None else None
    return cv.size_bytes if cv is not None else 0


def _answers(form: ApplicationForm) -> Answers:
    cv = (form.cv.data, form.checked_cv) if form.checked_cv is not None else None
    return Answers(statement=(form.statement.data or "").strip(), evidence=form.evidence(), cv=cv)


def already_sent(application: Application | None) -> Response:
    """Where a request that found the application submitted or withdrawn leads, and why."""
    flash(_not_a_draft(application.status if application is not None else None), "info")
    if application is None:
        return redirect(url_for("portal.applications"))
    return redirect(url_for("portal.application", application_id=application.id))


def refused(
    error: ApplicationClosedError,
    vacancy: Vacancy,
    form: FlaskForm,
    after: Callable[[Application | None], Response] = already_sent,
) -> Response | None:
    """Roll back a guarded write to the draft that was refused, and say why.

    Another request (a second click, another tab) came first: where `after` leads, for the
    application as it is now. Received after closing: None, with the reason on the form.
    """
    db.session.rollback()
    if isinstance(error, AlreadySubmittedError):
        return after(applications.find_for_vacancy(vacancy.id, current_user.id))
    form.form_errors.append(str(error))
    return None


def _save(
    vacancy: Vacancy, form: ApplicationForm, existing: Application | None, received: datetime | None
) -> Response | None:
    """Save the draft; None when the deadline refused it (the form then carries the reason)."""
    try:
        application = existing or applications.start(vacancy.id, current_user.id)
        applications.save_draft(application, _answers(form), received)
        # Kept apart from the answers: only the hiring team's recruiters read these.
        adjustments.save_from_form(
            application,
            form.adjustments.data or "",
            bool(form.guaranteed_interview.data),
            fresh=existing is None,
        )
    except ApplicationClosedError as exc:
        # Too late, or another tab submitted or withdrew it first (shown as it left it).
        return refused(exc, vacancy, form)
    db.session.commit()
    if request.form.get("action") in DRAFT_ACTIONS:
        flash("Your draft has been saved. You can change it until the vacancy closes.", "success")
        return redirect(url_for("portal.apply", reference=vacancy.reference))
    # "Continue" (and any other button, an old page's "Submit" too): check, then send.
    return redirect(url_for("portal.check_answers", reference=vacancy.reference))


# The buttons that save and stay on the form; every other press goes on to check the answers.
DRAFT_ACTIONS: Final = frozenset({"draft", "save"})


@bp.route("/vacancies/<reference>/apply", methods=["GET", "POST"])
@candidate_required
def apply(reference: str) -> View:
    """Start or change the candidate's application; save it, then check it before sending."""
    # On time means received on time: the wait behind a closing-time crowd is not held against
    # the candidate (recruit.web.receipt).
    received = received_at()
    posted = request.method == "POST"
    found = apply_form.for_apply_form(reference, current_user.id, received, posted=posted)
    if found is None:
        abort(404)
    vacancy, is_open, existing = found.vacancy, found.is_open, found.application
    if existing is not None and existing.status is not S.DRAFT:
        return already_sent(existing)
    if not is_open and not posted:
        return render_template("portal/apply_closed.html", vacancy=vacancy, application=existing)
    form = application_form(vacancy, data=_prefill(existing))
    form.has_cv = existing is not None and existing.cv_file_id is not None
    form.owner_id = current_user.id
    form.stored_bytes = found.stored_bytes
    form.replacing_bytes = _cv_bytes(existing)
    if posted and not is_open:
        # Say so before anything else: field errors would only waste a late candidate's time.
        form.form_errors.append(applications.closed_message(vacancy))
    elif form.validate_on_submit():
        saved = _save(vacancy, form, existing, received)
        if saved is not None:
            return saved
        existing = applications.find_for_vacancy(vacancy.id, current_user.id)
    html = render_template("portal/apply.html", form=form, vacancy=vacancy, application=existing)
    return (html, 400) if form.errors else html


@bp.route("/applications", endpoint="applications")
@candidate_required
def applications_list() -> str:
    """My applications, with where each one stands."""
    return render_template(
        "portal/applications.html", applications=applications.list_for_candidate(current_user.id)
    )


@bp.route("/applications/<int:application_id>")
@candidate_required
def application(application_id: int) -> str:
    """One of the candidate's applications, its answers and its history."""
    found = applications.load_detail(application_id, current_user.id)
    if found is None:
        abort(404)
    return render_template(
        "portal/application.html",
        application=found,
        can_edit=found.status is S.DRAFT and vacancy_search.vacancy_is_open(found.vacancy_id),
        can_withdraw=found.status in pipeline.WITHDRAWABLE,
    )


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@candidate_required
def withdraw(application_id: int) -> View:
    """Confirm, then withdraw the application, with an optional reason."""
    found = applications.owned(application_id, current_user.id, lock=request.method == "POST")
    if found is None:
        abort(404)
    if found.status not in pipeline.WITHDRAWABLE:
        flash("This application can no longer be withdrawn", "info")
        return redirect(url_for("portal.application", application_id=found.id))
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            pipeline.withdraw(found, current_user, (form.reason.data or "").strip())
        except pipeline.TransitionError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash("You have withdrawn your application", "success")
            return redirect(url_for("portal.application", application_id=application_id))
    html = render_template("portal/withdraw.html", form=form, application=found)
    return (html, 400) if form.errors else html


@bp.route("/applications/<int:application_id>/cv")
@candidate_required
def download_cv(application_id: int) -> Response:
    """The CV attached to the candidate's own application, as a download."""
    found = applications.owned(application_id, current_user.id)
    if found is None or found.cv_file is None:
        abort(404)
    stored = found.cv_file
    path = path_for(stored)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
