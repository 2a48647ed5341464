"""The optional equal-opportunities monitoring form: one set of radios per question."""

from __future__ import annotations

from typing import Final

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice
from wtforms.validators import InputRequired

from recruit.monitoring.questions import QUESTIONS, Question

# What each error message asks for: short enough to read in the error summary.
TOPICS: Final = {
    "age_band": "your age",
    "sex": "your sex",
    "gender_identity": "whether your gender is the same as your sex registered at birth",
    "sexual_orientation": "your sexual orientation",
    "ethnicity": "your ethnic group",
    "religion": "your religion",
    "disability": "whether you consider yourself to have a disability",
    "caring": "whether you have caring responsibilities",
    "ses_occupation": "the work of your household's main earner when you were about 14",
    "ses_school": "the type of school you attended",
    "ses_free_meals": "whether you were eligible for free school meals",
}


class MonitoringForm(FlaskForm):  # type: ignore[misc]
    """Every monitoring question; each needs an answer, and "Prefer not to say" is one."""

    def answers(self) -> dict[str, str]:
        """The chosen option slug per question."""
        return {q.slug: str(self[q.slug].data) for q in QUESTIONS}


def _field(question: Question) -> RadioField:
    return RadioField(
        question.text,
        choices=[SelectChoice(value, label) for value, label in question.options],
        validators=[InputRequired(f"Select {TOPICS[question.slug]}, or ‘Prefer not to say’")],
    )


# WTForms reads fields added to the class after it is defined, in order.
for _question in QUESTIONS:
    setattr(MonitoringForm, _question.slug, _field(_question))
