"""Bulk actions on the board's ticked applications, and the unsuccessful email's form."""

from __future__ import annotations

from typing import Any, Final

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from recruit.admin.fields import VISIBLE_STATUSES, options
from recruit.models import ApplicationStatus
from recruit.services.bulk import BODY_CHARS, SUBJECT_CHARS
from recruit.taxonomy import STAFF_LABELS

BULK_ACTIONS: Final[dict[str, str]] = {
    "move": "Move to the stage chosen below",
    "longlist": "Add to the longlist",
    "unlonglist": "Take off the longlist",
    "shortlist": "Add to the shortlist",
    "unshortlist": "Take off the shortlist",
    "unsuccessful": "Mark unsuccessful and email the candidates",
}


class BulkForm(FlaskForm):  # type: ignore[misc]
    """An action on the applications ticked on the board."""

    application_ids = SelectMultipleField("Applications", coerce=int, validate_choice=False)
    action = SelectField(
        "Action", choices=options(BULK_ACTIONS), validators=[InputRequired("Select an action")]
    )
    to_status = SelectField("Stage to move to", validate_choice=False, validators=[Optional()])
    # "Select all on this page": a real checkbox, so it works without JavaScript; the page
    # lists its own ids in `page_ids`, and ticking it selects every one of them.
    select_all = BooleanField("Select all applications on this page")
    page_ids = SelectMultipleField("Applications on the page", coerce=int, validate_choice=False)
    # Set by the confirmation page of a rejection ("yes"); nothing is rejected without it.
    confirmed = HiddenField()
    # Where to go afterwards: "board" for the board's columns, else the list.
    return_to = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = [s for s in VISIBLE_STATUSES if s is not ApplicationStatus.WITHDRAWN]
        self.to_status.choices = options({s.value: STAFF_LABELS[s] for s in targets})

    def validate_application_ids(self, field: Field) -> None:
        """At least one application ticked, or "select all" with the page's ids."""
        chosen = set(field.data or [])
        if self.select_all.data:
            chosen |= set(self.page_ids.data or [])
        if not chosen:
            raise ValidationError("Select at least one application")
        field.data = sorted(chosen)

    def rejecting(self) -> bool:
        """Whether this action marks applications unsuccessful (so it is confirmed first)."""
        moving_out = self.action.data == "move" and self.to_status.data == "unsuccessful"
        return bool(moving_out)


class UnsuccessfulForm(FlaskForm):  # type: ignore[misc]
    """The email unsuccessful candidates get, edited by the recruiter before it goes."""

    application_ids = SelectMultipleField("Applications", coerce=int, validate_choice=False)
    subject = StringField(
        "Subject",
        validators=[
            InputRequired("Enter a subject"),
            Length(
                max=SUBJECT_CHARS, message=f"Subject must be {SUBJECT_CHARS} characters or fewer"
            ),
        ],
    )
    body = TextAreaField(
        "Message",
        validators=[
            InputRequired("Enter the message"),
            Length(max=BODY_CHARS, message=f"Message must be {BODY_CHARS} characters or fewer"),
        ],
    )

    def validate_application_ids(self, field: Field) -> None:
        """The selection carried over from the board."""
        if not field.data:
            raise ValidationError("Select at least one application")
