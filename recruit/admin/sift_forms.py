"""Forms for the board, bulk actions, scoring, moderation, notes, reveals and panels."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Final

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from recruit.admin.forms import options
from recruit.models import ApplicationStatus, Criterion, User
from recruit.services import pipeline
from recruit.services.board import BANDS, LISTS, SORTS
from recruit.services.bulk import BODY_CHARS, SUBJECT_CHARS
from recruit.services.scoring import COMMENT_CHARS, DESCRIPTORS, SCALE
from recruit.services.sift import NOTE_CHARS, REASON_CHARS
from recruit.services.vacancies import uk_to_utc
from recruit.taxonomy import SECTORS, THEMES

DATE_RE: Final = re.compile(r"^\s*(\d{1,2})[/\s.-]+(\d{1,2})[/\s.-]+(\d{4})\s*$")
VISIBLE_STATUSES: Final = [s for s in ApplicationStatus if s is not ApplicationStatus.DRAFT]
COMMENT_MESSAGE: Final = f"Comments must be {COMMENT_CHARS} characters or fewer"
BULK_ACTIONS: Final[dict[str, str]] = {
    "move": "Move to the stage chosen below",
    "longlist": "Add to the longlist",
    "unlonglist": "Take off the longlist",
    "shortlist": "Add to the shortlist",
    "unshortlist": "Take off the shortlist",
    "unsuccessful": "Mark unsuccessful and email the candidates",
}


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
            {"": "All stages"} | {s.value: pipeline.STAFF_LABELS[s] for s in VISIBLE_STATUSES}
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


class BulkForm(FlaskForm):  # type: ignore[misc]
    """An action on the applications ticked on the board."""

    application_ids = SelectMultipleField("Applications", coerce=int, validate_choice=False)
    action = SelectField(
        "Action", choices=options(BULK_ACTIONS), validators=[InputRequired("Select an action")]
    )
    to_status = SelectField("Stage to move to", validate_choice=False, validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = [s for s in VISIBLE_STATUSES if s is not ApplicationStatus.WITHDRAWN]
        self.to_status.choices = options({s.value: pipeline.STAFF_LABELS[s] for s in targets})

    def validate_application_ids(self, field: Field) -> None:
        """At least one application ticked."""
        if not field.data:
            raise ValidationError("Select at least one application")


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


def on_scale(form: FlaskForm, field: Field) -> None:
    """Empty, or a whole number on the scoring scale."""
    if field.data in (None, "", "None"):
        return
    if str(field.data) not in {str(v) for v in SCALE}:
        raise ValidationError(f"Choose a score from {min(SCALE)} to {max(SCALE)}")


def _build(form_class: type[FlaskForm], from_request: bool, data: dict[str, Any]) -> FlaskForm:
    # Without formdata=None, Flask-WTF reads the request's form even on a GET.
    return form_class(data=data) if from_request else form_class(formdata=None, data=data)


def score_form(
    criteria: Sequence[Criterion], *, from_request: bool, data: dict[str, Any]
) -> FlaskForm:
    """A form with a score (0 to 4, with descriptors) and a comment for each criterion."""

    class ScoreForm(FlaskForm):  # type: ignore[misc]
        action = HiddenField()

    choices = options({str(v): f"{v} – {SCALE[v]}: {DESCRIPTORS[v].lower()}" for v in SCALE})
    for criterion in criteria:
        setattr(
            ScoreForm,
            f"score_{criterion.id}",
            RadioField(
                f"Score for: {criterion.text}",
                choices=choices,
                validate_choice=False,  # an unticked radio is a draft; on_scale checks the rest
                validators=[on_scale],
            ),
        )
        setattr(
            ScoreForm,
            f"comment_{criterion.id}",
            TextAreaField(
                f"Comment on: {criterion.text}",
                validators=[Length(max=COMMENT_CHARS, message=COMMENT_MESSAGE)],
            ),
        )
    return _build(ScoreForm, from_request, data)


def agreed_form(
    criteria: Sequence[Criterion], *, from_request: bool, data: dict[str, Any]
) -> FlaskForm:
    """A form with an agreed score and a moderation note for each criterion."""

    class AgreedForm(FlaskForm):  # type: ignore[misc]
        pass

    choices = options({"": "Not agreed yet"} | {str(v): f"{v} – {SCALE[v]}" for v in SCALE})
    for criterion in criteria:
        setattr(
            AgreedForm,
            f"agreed_{criterion.id}",
            SelectField(
                f"Agreed score for: {criterion.text}",
                choices=choices,
                default="",
                validate_choice=False,
                validators=[on_scale],
            ),
        )
        setattr(
            AgreedForm,
            f"note_{criterion.id}",
            TextAreaField(
                f"Moderation note on: {criterion.text}",
                validators=[Length(max=1000, message="Notes must be 1000 characters or fewer")],
            ),
        )
    return _build(AgreedForm, from_request, data)


class NoteForm(FlaskForm):  # type: ignore[misc]
    """An internal note: recruiters only, never shown to the candidate or the panel."""

    body = TextAreaField(
        "Add an internal note",
        validators=[
            InputRequired("Enter a note"),
            Length(max=NOTE_CHARS, message=f"Note must be {NOTE_CHARS} characters or fewer"),
        ],
    )


class RevealForm(FlaskForm):  # type: ignore[misc]
    """Reveal a candidate's identity during an anonymised sift, with the reason."""

    reason = TextAreaField(
        "Reason for revealing this candidate's identity",
        validators=[
            InputRequired("Enter the reason for revealing this candidate's identity"),
            Length(max=REASON_CHARS, message=f"Reason must be {REASON_CHARS} characters or fewer"),
        ],
    )


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
