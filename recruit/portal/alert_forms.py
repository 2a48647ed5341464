"""Forms for job alerts: save the vacancy list's search, and delete an alert."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length

from recruit.parsing import MAX_ROW_ID, ascii_int


class SaveAlertForm(FlaskForm):  # type: ignore[misc]
    """The search on the vacancy list, posted as hidden fields with a CSRF token."""

    q = HiddenField(
        validators=[Length(max=200, message="Keywords must be 200 characters or fewer")]
    )
    theme = HiddenField(validators=[Length(max=40, message="Select a theme from the list")])
    sector = HiddenField(
        validators=[Length(max=60, message="Select a sector or cluster from the list")]
    )


class DeleteAlertForm(FlaskForm):  # type: ignore[misc]
    """Delete one of the candidate's alerts, named by id."""

    alert_id = HiddenField()

    def chosen_id(self) -> int | None:
        """The alert id posted, if it is a whole number."""
        return ascii_int(self.alert_id.data, MAX_ROW_ID)
