"""The sift: scoring, moderation (agreed scores), internal notes and identity reveals."""

from __future__ import annotations

import logging
from typing import Any, Final

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from recruit.admin.access import assessor_required, get_application_for_staff, require_moderator
from recruit.admin.blueprint import bp
from recruit.admin.pages import View, render_application
from recruit.admin.sift_forms import NoteForm, RevealForm, agreed_form, score_data, score_form
from recruit.extensions import db
from recruit.models import Application
from recruit.services import access, scoring, sift
from recruit.web.authz import staff_required

log = logging.getLogger(__name__)


def _entries(form: FlaskForm, application: Application) -> dict[int, scoring.Entry]:
    entries = {}
    for criterion in application.vacancy.criteria:
        raw = form[f"score_{criterion.id}"].data
        comment = form[f"comment_{criterion.id}"].data or ""
        score = int(raw) if raw not in (None, "", "None") else None
        entries[criterion.id] = scoring.Entry(score, comment)
    return entries


def _render_score(application: Application, form: FlaskForm) -> tuple[str, int]:
    mine = scoring.own_scores(application, current_user)
    html = render_template(
        "admin/score.html",
        application=application,
        vacancy=application.vacancy,
        form=form,
        identity=sift.display_identity(application, current_user),
        submitted=access.has_submitted(mine),
        abstained=scoring.has_abstained(mine),
        may_abstain=access.may_abstain(current_user, application.vacancy_id, mine),
        own=mine,
        score_label=scoring.label,
    )
    return html, 400 if form.errors else 200


@bp.route("/applications/<int:application_id>/score", methods=["GET", "POST"])
@assessor_required
def score(application_id: int) -> View:
    """The assessor's own scores: save a draft, or submit them (then they are final)."""
    found = get_application_for_staff(application_id)
    if not access.may_score(current_user, found):
        abort(404)
    criteria = found.vacancy.criteria
    mine = scoring.own_scores(found, current_user)
    form = score_form(criteria, from_request=request.method == "POST", data=score_data(mine))
    if request.method == "POST" and form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        try:
            scoring.save_scores(found, current_user, _entries(form, found), submit=submit)
        except scoring.ScoringError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            found = get_application_for_staff(application_id)
        else:
            db.session.commit()
            flash(
                "Your scores are submitted." if submit else "Your draft scores are saved.",
                "success",
            )
            return redirect(url_for("admin.application", application_id=found.id) + "#scores")
    if request.method == "POST" and request.form.get("on") == "application":
        # Posted from the application page's own form: show the errors where it was filled in.
        return render_application(found, score_form=form)
    return _render_score(found, form)


def _agreed_data(outcomes: list[scoring.CriterionResult]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for result in outcomes:
        if result.agreed is not None:
            data[f"agreed_{result.criterion.id}"] = str(result.agreed.score)
            data[f"note_{result.criterion.id}"] = result.agreed.note
    return data


# The moderator's choice to see the panel's scores without scoring: this application, or every
# application of the vacancy now in the sift.
SHOW_SCORES_ACTIONS: Final = ("show_scores", "show_scores_vacancy")


@bp.route("/applications/<int:application_id>/moderate", methods=["GET", "POST"])
@staff_required
def moderate(application_id: int) -> View:
    """The lead recruiter records the agreed score for each criterion, once the panel's scores
    may be seen: after submitting their own, or choosing to moderate without scoring."""
    found = get_application_for_staff(application_id)
    require_moderator(found)
    action = request.form.get("action") if request.method == "POST" else None
    if action in SHOW_SCORES_ACTIONS:
        return _show_scores(found, vacancy_wide=action == "show_scores_vacancy")
    mine = scoring.own_scores(found, current_user)
    if not access.can_see_others(current_user, mine):
        return _render_choice(found, mine, refused=request.method == "POST")
    outcomes = scoring.results(found)
    form = agreed_form(
        found.vacancy.criteria, from_request=request.method == "POST", data=_agreed_data(outcomes)
    )
    if request.method == "POST" and form.validate_on_submit():
        for criterion in found.vacancy.criteria:
            raw = form[f"agreed_{criterion.id}"].data
            note = form[f"note_{criterion.id}"].data or ""
            if raw:
                scoring.record_agreed(found, criterion.id, int(raw), note, current_user)
            else:
                scoring.clear_agreed(found, criterion.id)
        db.session.commit()
        flash("Agreed scores saved.", "success")
        return redirect(url_for("admin.application", application_id=found.id))
    html = render_template(
        "admin/moderate.html",
        application=found,
        vacancy=found.vacancy,
        form=form,
        results=outcomes,
        abstained=scoring.has_abstained(mine),
        identity=sift.display_identity(found, current_user),
        score_label=scoring.label,
    )
    return html, 400 if form.errors else 200


def _render_choice(application: Application, mine: dict[int, Any], refused: bool) -> View:
    """The moderator has not submitted: score first, or see the panel's scores without scoring."""
    form = FlaskForm()
    if refused:
        form.form_errors.append(
            "Score this application, or choose to see the panel's scores without scoring, "
            "before you record agreed scores"
        )
    html = render_template(
        "admin/moderate.html",
        application=application,
        vacancy=application.vacancy,
        form=form,
        choosing=True,
        drafts=bool(mine),
        identity=sift.display_identity(application, current_user),
    )
    return html, 400 if refused else 200


def _show_scores(application: Application, vacancy_wide: bool) -> View:
    """Record the moderator's abstention, log it as an audit event and show the panel's scores."""
    form = FlaskForm()
    if not form.validate_on_submit():
        return _render_choice(application, scoring.own_scores(application, current_user), True)
    try:
        if vacancy_wide:
            count = scoring.abstain_for_vacancy(application.vacancy, current_user)
        else:
            scoring.abstain(application, current_user)
            count = 1
    except scoring.ScoringError as exc:
        db.session.rollback()
        flash(str(exc), "info")
        return redirect(url_for("admin.moderate", application_id=application.id))
    db.session.commit()
    log.info(
        "panel scores shown without scoring",
        extra={
            "event": "scores_shown_unscored",
            "user_id": current_user.id,
            "application_id": None if vacancy_wide else application.id,
            "vacancy_id": application.vacancy_id,
            "applications": count,
        },
    )
    flash(
        "The panel's scores are shown. You cannot score "
        + ("these applications" if vacancy_wide else "this application")
        + " now; your choice is recorded.",
        "success",
    )
    return redirect(url_for("admin.moderate", application_id=application.id))


@bp.route("/applications/<int:application_id>/notes", methods=["POST"])
@staff_required
def add_note(application_id: int) -> View:
    """Add an internal note; the candidate and the panel never see notes."""
    found = get_application_for_staff(application_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            sift.add_note(found, current_user, form.body.data)
        except sift.SiftError as exc:
            form.body.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Note added.", "success")
            return redirect(url_for("admin.application", application_id=found.id) + "#notes")
    return render_application(found, note_form=form)


@bp.route("/applications/<int:application_id>/reveal", methods=["POST"])
@staff_required
def reveal_identity(application_id: int) -> View:
    """Reveal the candidate's identity during an anonymised sift; who, when and why are kept."""
    found = get_application_for_staff(application_id, for_update=True)
    form = RevealForm()
    if form.validate_on_submit():
        try:
            sift.reveal(found, current_user, form.reason.data)
        except sift.SiftError as exc:
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            # An audit event: the reason stays in the database (IdentityReveal), never the log.
            log.info(
                "candidate identity revealed",
                extra={
                    "event": "identity_revealed",
                    "user_id": current_user.id,
                    "application_id": found.id,
                    "vacancy_id": found.vacancy_id,
                },
            )
            flash("The candidate's identity is revealed. The reveal is recorded.", "success")
            return redirect(url_for("admin.application", application_id=found.id))
    return render_application(found, reveal_form=form)
