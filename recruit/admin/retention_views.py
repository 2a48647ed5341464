"""Admin only: data retention: the purge schedule, receipts, and each vacancy's settings."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from recruit.admin.access import get_vacancy_for_staff
from recruit.admin.blueprint import bp
from recruit.admin.pages import View
from recruit.admin.retention_forms import RetentionForm
from recruit.extensions import db
from recruit.models import User, Vacancy
from recruit.privacy import retention_settings
from recruit.privacy.retention import purge_due_at
from recruit.services.access import may_manage_retention
from recruit.web.authz import staff_required


@bp.app_template_global("retention_due")
def retention_due(vacancy: Vacancy) -> datetime | None:
    """For templates: when the vacancy's unsuccessful applications expire (None until closed)."""
    return purge_due_at(vacancy)


@bp.app_template_global("may_manage_retention")
def template_may_manage_retention(user: User) -> bool:
    """For templates: whether to offer the retention settings to `user`."""
    return bool(user.is_authenticated) and may_manage_retention(user)


def _require_rights() -> None:
    if not may_manage_retention(current_user):
        abort(403)


@bp.route("/retention")
@staff_required
def retention() -> str:
    """Every vacancy's retention period, next purge date and hold; then the purge receipts."""
    _require_rights()
    return render_template(
        "admin/retention.html",
        rows=retention_settings.schedule(),
        receipts=retention_settings.receipts(),
        labels=retention_settings.RECEIPT_LABELS,
    )


@bp.route("/vacancies/<int:vacancy_id>/retention", methods=["GET", "POST"])
@staff_required
def vacancy_retention(vacancy_id: int) -> View:
    """Change one vacancy's retention period, or put it on (or lift) legal hold."""
    _require_rights()
    vacancy = get_vacancy_for_staff(vacancy_id)
    # A post is read as sent: a missing answer must not fall back to the current setting.
    form = RetentionForm() if request.method == "POST" else RetentionForm.for_vacancy(vacancy)
    if form.validate_on_submit():
        try:
            changed = retention_settings.change_settings(
                vacancy, form.months, form.hold, form.legal_hold_reason.data or "", current_user
            )
        except retention_settings.RetentionSettingsError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash("Retention settings saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("admin.vacancy", vacancy_id=vacancy_id))
        vacancy = get_vacancy_for_staff(vacancy_id)
    page = render_template(
        "admin/vacancy_retention.html",
        form=form,
        vacancy=vacancy,
        due_at=purge_due_at(vacancy),
        min_months=retention_settings.MIN_MONTHS,
        max_months=retention_settings.MAX_MONTHS,
    )
    return page, 400 if form.errors else 200
