"""The board's filter form: stage, score band, list, theme, sector, dates and sort."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any, Final

from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from recruit.admin.fields import VISIBLE_STATUSES, options
from recruit.models import ApplicationStatus
from recruit.services import pipeline
from recruit.services.board import BANDS, LISTS, SORTS
from recruit.services.vacancies import uk_to_utc
from recruit.taxonomy import SECTORS, STAFF_LABELS, THEMES

DATE_RE: Final = re.compile(r"^\s*(\d{1,2})[/\s.-]+(\d{1,2})[/\s.-]+(\d{4})\s*$")


def parse_uk_date(raw: str | None) -> date | None:
    """A date typed as day/month/year, or None when it is not a real date."""
    match = DATE_RE.match(raw or "")
    if not match:
        return None
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None


def _check_date(field: Field) -> None:
    if (field.data or "").strip() and parse_uk_date(field.data) is None:
        raise ValidationError(f"{field.label.text} must be a real date, like 27/3/2026")


class BoardFilterForm(FlaskForm):  # type: ignore[misc]
    """Filter and sort the board (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    # Every select has a default, so a query string without it is still valid.
    status = SelectField("Stage", default="")
    band = SelectField("Score", choices=options({"": "Any score"} | BANDS), default="")
    listed = SelectField("List", choices=options({"": "Any list"} | LISTS), default="")
    theme = SelectField("Theme", choices=options({"": "Any theme"} | THEMES), default="")
    sector = SelectField(
        "Sector or cluster", choices=options({"": "Any sector"} | SECTORS), default=""
    )
    submitted_from = StringField("Submitted from")
    submitted_to = StringField("Submitted to")
    sort = SelectField("Sort by", choices=options(SORTS), default="submitted")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = options(
            {"": "All stages"} | {s.value: STAFF_LABELS[s] for s in VISIBLE_STATUSES}
        )

    def validate_submitted_from(self, field: Field) -> None:
        """A real date or nothing."""
        _check_date(field)

    def validate_submitted_to(self, field: Field) -> None:
        """A real date or nothing."""
        _check_date(field)

    def date_range(self) -> tuple[datetime | None, datetime | None]:
        """The UTC instants from the start of 'from' to the end of 'to', both UK days."""
        start, end = parse_uk_date(self.submitted_from.data), parse_uk_date(self.submitted_to.data)
        after = uk_to_utc(start.year, start.month, start.day, 0, 0) if start else None
        end = end + timedelta(days=1) if end else None
        before = uk_to_utc(end.year, end.month, end.day, 0, 0) if end else None
        return after, before


def card_moves() -> dict[ApplicationStatus, list[SelectChoice]]:
    """Per stage, the stages a board card may move to, in pipeline order (the pipeline's own
    rule; a move it refuses is still refused when posted)."""
    return {
        stage: options({s.value: STAFF_LABELS[s] for s in ApplicationStatus if s in targets})
        for stage, targets in pipeline.ALLOWED_MOVES.items()
    }
