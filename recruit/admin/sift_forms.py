"""Forms for the sift: scoring, moderation (agreed scores), internal notes and reveals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from recruit.admin.fields import options
from recruit.models import Application, Criterion
from recruit.services.scoring import COMMENT_CHARS, DESCRIPTORS, SCALE
from recruit.services.sift import NOTE_CHARS, REASON_CHARS

COMMENT_MESSAGE: Final = f"Comments must be {COMMENT_CHARS} characters or fewer"


def score_data(mine: Mapping[int, Any]) -> dict[str, Any]:
    """The score form's values from the assessor's saved scores, by criterion id."""
    data: dict[str, Any] = {}
    for criterion_id, row in mine.items():
        data[f"score_{criterion_id}"] = "" if row.score is None else str(row.score)
        data[f"comment_{criterion_id}"] = row.comment
    return data


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


def inline_score_form(application: Application, mine: Mapping[int, Any]) -> FlaskForm:
    """The score form for the application page, filled from the viewer's saved draft."""
    return score_form(application.vacancy.criteria, from_request=False, data=score_data(mine))


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
