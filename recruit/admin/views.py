"""Recruiter admin views (placeholder until the admin lands)."""

from __future__ import annotations

from flask import render_template

from recruit.admin import bp
from recruit.authz import staff_required


@bp.route("/")
@staff_required
def dashboard() -> str:
    """Recruiter dashboard."""
    return render_template("portal/index.html")
