"""The staff invitation form (admins only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired, Length

from recruit.admin.fields import options
from recruit.auth.forms import email_field
from recruit.models import Role


class InviteForm(FlaskForm):  # type: ignore[misc]
    """Invite a member of staff."""

    full_name = StringField(
        "Full name",
        validators=[
            InputRequired("Enter their full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )
    email = email_field("Enter their email address")
    role = RadioField(
        "Role",
        choices=options(
            {
                Role.RECRUITER.value: "Recruiter – runs campaigns and moves applications",
                Role.ADMIN.value: "Admin – as a recruiter, and can also invite staff",
                Role.PANEL.value: "Panel member – sees the shortlists they are given",
                Role.EQUALITY.value: "Equality monitoring – sees only the anonymous equality "
                "reports, never an application",
            }
        ),
        validators=[InputRequired("Select a role")],
    )
