"""Candidate portal views (placeholder until the portal lands)."""

from __future__ import annotations

from flask import render_template

from recruit.portal import bp


@bp.route("/")
def index() -> str:
    """Home page."""
    return render_template("portal/index.html")


@bp.route("/vacancies")
def vacancies() -> str:
    """Vacancy list."""
    return render_template("portal/index.html")


@bp.route("/applications")
def applications() -> str:
    """My applications."""
    return render_template("portal/index.html")
