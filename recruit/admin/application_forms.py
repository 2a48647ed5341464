"""The application page's form: move an application along the pipeline."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from recruit.admin.fields import options
from recruit.models import ApplicationStatus
from recruit.taxonomy import STAFF_LABELS


class MoveForm(FlaskForm):  # type: ignore[misc]
    """Move an application to another pipeline status."""

    # The pipeline, not the field, decides what is allowed: a stale or forged choice must reach
    # pipeline.move so the recruiter sees its explanation rather than "Not a valid choice".
    to_status = RadioField(
        "New status", validate_choice=False, validators=[InputRequired("Select a new status")]
    )
    note = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=500, message="Note must be 500 characters or fewer")],
    )

    def offer(self, statuses: list[ApplicationStatus]) -> None:
        """Show only these statuses as choices."""
        self.to_status.choices = options({s.value: STAFF_LABELS[s] for s in statuses})
