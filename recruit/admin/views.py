"""Recruiter admin: the dashboard, and types shared by the admin views."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.admin import bp
from recruit.authz import staff_required
from recruit.services import pipeline, vacancies

View = str | Response | tuple[str, int]


@bp.route("/")
@staff_required
def dashboard() -> str:
    """The vacancies this member of staff recruits for (every one for admins), with counts."""
    rows = vacancies.vacancies_for(current_user)
    counts = vacancies.application_counts([v.id for v in rows])
    return render_template(
        "admin/dashboard.html",
        vacancies=rows,
        counts=counts,
        labels=pipeline.STAFF_LABELS,
    )
