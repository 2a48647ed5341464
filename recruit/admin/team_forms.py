"""Forms for a vacancy's hiring team: add a recruiter or a panel member, take one off."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from recruit.models import User


def _choices(users: Sequence[User]) -> list[tuple[int, str]]:
    return [(u.id, f"{u.full_name} ({u.email})") for u in users]


class RecruiterForm(FlaskForm):  # type: ignore[misc]
    """Add a recruiter (or an admin) to the vacancy's hiring team."""

    recruiter_id = SelectField(
        "Recruiter", coerce=int, validators=[InputRequired("Select a recruiter")]
    )

    def offer(self, users: Sequence[User]) -> None:
        """Offer these recruiters."""
        self.recruiter_id.choices = _choices(users)


class PanelForm(FlaskForm):  # type: ignore[misc]
    """Assign a panel member to the vacancy."""

    user_id = SelectField(
        "Panel member", coerce=int, validators=[InputRequired("Select a panel member")]
    )

    def offer(self, users: Sequence[User]) -> None:
        """Offer these panel members."""
        self.user_id.choices = _choices(users)


class RemoveForm(FlaskForm):  # type: ignore[misc]
    """Take someone off the team."""

    user_id = HiddenField(validators=[InputRequired("Choose who to remove")])
