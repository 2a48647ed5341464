"""The form a recruiter fills in to ask for an export."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.validators import InputRequired

from recruit.admin.fields import options
from recruit.exports.jobs import SELECTION_LABELS
from recruit.taxonomy import STAFF_LABELS

FORMAT_LABELS = {
    "xlsx": "Spreadsheet (XLSX) with scores and a sheet of evidence",
    "csv": "CSV (UTF-8) for other systems",
    "pack": "Panel pack (ZIP): the spreadsheet, a PDF page per candidate, and CVs",
}


class ExportForm(FlaskForm):  # type: ignore[misc]
    """Which applications, in which format."""

    fmt = RadioField(
        "Format",
        choices=options(FORMAT_LABELS),
        validators=[InputRequired("Choose a format")],
        default="xlsx",
    )
    which = RadioField(
        "Applications",
        choices=options(SELECTION_LABELS),
        validators=[InputRequired("Choose which applications to export")],
        default="shortlist",
    )
    stage = SelectField(
        "Only those at this stage (optional)",
        choices=options(
            {"": "Any stage"} | {s: label for s, label in STAFF_LABELS.items() if s != "draft"}
        ),
        default="",
    )
