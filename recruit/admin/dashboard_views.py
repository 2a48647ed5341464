"""Recruiter admin: the dashboard."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from recruit.admin.blueprint import bp
from recruit.models import Role
from recruit.services import board, sift, vacancies
from recruit.taxonomy import STAFF_LABELS
from recruit.web.authz import roles_required


@bp.route("/")
@roles_required(Role.RECRUITER, Role.ADMIN, Role.PANEL)
def dashboard() -> str:
    """Recruiters: the vacancies they run (admins: all). Panel members: their panels' sift."""
    if current_user.role is Role.PANEL:
        rows = sift.assigned_vacancies(current_user)
        counts = board.counts_by_vacancy(current_user, [v.id for v in rows])
    else:
        rows = vacancies.vacancies_for(current_user)
        counts = vacancies.application_counts([v.id for v in rows])
    return render_template(
        "admin/dashboard.html",
        vacancies=rows,
        counts=counts,
        labels=STAFF_LABELS,
        panel=current_user.role is Role.PANEL,
    )
