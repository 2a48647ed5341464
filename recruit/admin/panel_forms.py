"""Forms for a vacancy's panel: assign a panel member, take one off."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from recruit.models import User


class PanelForm(FlaskForm):  # type: ignore[misc]
    """Assign a panel member to the vacancy."""

    user_id = SelectField(
        "Panel member", coerce=int, validators=[InputRequired("Select a panel member")]
    )

    def offer(self, users: Sequence[User]) -> None:
        """Offer these panel members."""
        self.user_id.choices = [(u.id, f"{u.full_name} ({u.email})") for u in users]


class RemoveForm(FlaskForm):  # type: ignore[misc]
    """Take someone off the panel."""

    user_id = HiddenField(validators=[InputRequired("Choose who to remove")])
