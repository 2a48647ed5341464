"""Bulk actions on the applications ticked on the board. Recruiters and admins only."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.admin.access import check_selection, get_team_vacancy
from recruit.admin.blueprint import bp
from recruit.admin.bulk_forms import BulkForm, UnsuccessfulForm
from recruit.admin.pages import FILTER_NAMES, View, render_board
from recruit.extensions import db
from recruit.models import ApplicationStatus, Vacancy
from recruit.notifications import catalog
from recruit.services import bulk
from recruit.taxonomy import STAFF_LABELS
from recruit.web.authz import staff_required

MAX_SKIPS_SHOWN = 10
LIST_ACTIONS = {
    "longlist": ("longlist", True, "added to the longlist"),
    "unlonglist": ("longlist", False, "taken off the longlist"),
    "shortlist": ("shortlist", True, "added to the shortlist"),
    "unshortlist": ("shortlist", False, "taken off the shortlist"),
}


def _vacancy_from_form() -> Vacancy | None:
    vacancy_id = request.form.get("vacancy_id", type=int)
    return get_team_vacancy(vacancy_id) if vacancy_id else None


def _back_url(vacancy: Vacancy | None) -> str:
    """The board or list the recruiter came from, keeping the list's filters."""
    if vacancy is not None and request.form.get("return_to") == "board":
        return url_for("admin.vacancy_board", vacancy_id=vacancy.id)
    args: dict[str, Any] = {
        k: v for k, v in parse_qsl(request.form.get("back", "")) if k in FILTER_NAMES and v
    }
    if vacancy is not None:
        return url_for("admin.vacancy_applications", vacancy_id=vacancy.id, **args)
    return url_for("admin.all_applications", **args)


def _back(vacancy: Vacancy | None) -> Response:
    """Back to the board or list the recruiter came from."""
    return redirect(_back_url(vacancy))


def _report(result: bulk.BulkResult, verb: str) -> None:
    flash(result.summary(verb), "success")
    if result.skipped:
        shown = "; ".join(f"{who}: {why}" for who, why in result.skipped[:MAX_SKIPS_SHOWN])
        more = len(result.skipped) - MAX_SKIPS_SHOWN
        tail = f"; and {more} more" if more > 0 else ""
        count = len(result.skipped)
        flash(f"{count} application{'' if count == 1 else 's'} not changed. {shown}{tail}.")


@bp.route("/applications/bulk", methods=["POST"])
@staff_required
def bulk_action() -> View:
    """Apply the chosen action to each ticked application, reporting any that were skipped."""
    vacancy = _vacancy_from_form()
    form = BulkForm()
    if not form.validate_on_submit():
        return render_board(vacancy, form)
    # Any ticked application outside the user's teams refuses the whole action (403 page).
    check_selection(form.application_ids.data, f"bulk {form.action.data}")
    if form.action.data == "unsuccessful":
        return _compose(vacancy, form.application_ids.data)
    selection = bulk.load_selection(
        form.application_ids.data, current_user, vacancy.id if vacancy else None
    )
    if form.action.data == "move":
        try:
            target = ApplicationStatus(form.to_status.data)
        except ValueError:
            form.to_status.errors.append("Select the stage to move the applications to")
            db.session.rollback()
            return render_board(vacancy, form)
        if form.rejecting() and form.confirmed.data != "yes":
            plan = bulk.rejection_plan(selection, current_user)
            if plan.done:  # someone would be rejected: say so, and change nothing yet
                db.session.rollback()
                return _confirm_move(vacancy, form, [a.id for a in selection], plan)
        result = bulk.move_many(selection, target, current_user)
        verb = f"moved to {STAFF_LABELS[target].lower()}"
    else:
        which, value, verb = LIST_ACTIONS[form.action.data]
        result = bulk.list_many(selection, which, value)
    db.session.commit()
    _report(result, verb)
    return _back(vacancy)


def _confirm_move(
    vacancy: Vacancy | None, form: BulkForm, ids: list[int], plan: bulk.BulkResult
) -> tuple[str, int]:
    """The confirmation page of a move to unsuccessful: who, how many, which email."""
    title = vacancy.title if vacancy else "<the job title of each application>"
    subject = catalog.STATUS_CHANGED.subject.replace("{vacancy_title}", title)
    html = render_template(
        "admin/bulk_confirm.html",
        vacancy=vacancy,
        form=form,
        ids=ids,
        plan=plan,
        subject=subject,
        cancel=_back_url(vacancy),
        back=request.form.get("back", ""),
        return_to=form.return_to.data or "",
    )
    return html, 200


def _compose(vacancy: Vacancy | None, ids: list[int]) -> tuple[str, int]:
    """The editable unsuccessful email for the selection, nothing changed yet."""
    selection = bulk.load_selection(ids, current_user, vacancy.id if vacancy else None)
    plan = bulk.rejection_plan(selection, current_user)
    db.session.rollback()  # release the row locks: nothing changes until the email is sent
    subject, body = bulk.default_message(vacancy)
    form = UnsuccessfulForm(
        formdata=None,
        data={"application_ids": [a.id for a in selection], "subject": subject, "body": body},
    )
    return _render_compose(vacancy, form, plan)


def _render_compose(
    vacancy: Vacancy | None, form: UnsuccessfulForm, plan: bulk.BulkResult
) -> tuple[str, int]:
    html = render_template(
        "admin/bulk_unsuccessful.html",
        vacancy=vacancy,
        form=form,
        plan=plan,
        placeholders=bulk.PLACEHOLDERS,
        back=request.form.get("back", ""),
        return_to=request.form.get("return_to", ""),
        cancel=_back_url(vacancy),
    )
    return html, 400 if form.errors else 200


@bp.route("/applications/bulk/unsuccessful", methods=["POST"])
@staff_required
def bulk_unsuccessful() -> View:
    """Mark the selection unsuccessful and queue the edited email to each candidate."""
    vacancy = _vacancy_from_form()
    form = UnsuccessfulForm()
    check_selection(form.application_ids.data or [], "bulk unsuccessful email")
    selection = bulk.load_selection(
        form.application_ids.data or [], current_user, vacancy.id if vacancy else None
    )
    if not form.validate_on_submit() or not selection:
        if not selection and not form.application_ids.errors:
            form.application_ids.errors.append("Select at least one application")
        plan = bulk.rejection_plan(selection, current_user)
        db.session.rollback()
        return _render_compose(vacancy, form, plan)
    result = bulk.reject_many(selection, form.subject.data, form.body.data, current_user)
    db.session.commit()
    _report(result, "marked unsuccessful and emailed")
    return _back(vacancy)
