"""The equality reports' one form: ask a worker for a report as CSV (CSRF only)."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ReportCsvForm(FlaskForm):  # type: ignore[misc]
    """Build the report on this page as a CSV."""
