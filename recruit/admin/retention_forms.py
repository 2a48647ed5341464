"""The retention settings form: a vacancy's retention period and legal hold (admins only)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from recruit.admin.fields import bounded_whole_number, options
from recruit.models import Vacancy
from recruit.parsing import ascii_int
from recruit.privacy.retention_settings import (
    HOLD_REASON_CHARS,
    MAX_MONTHS,
    MIN_MONTHS,
    clean_reason,
)

HOLD_CHOICES = {"no": "No", "yes": "Yes, keep every application until the hold is lifted"}


class RetentionForm(FlaskForm):  # type: ignore[misc]
    """How long unsuccessful candidates' data is kept after closing, and any legal hold."""

    retention_months = StringField("Retention period, in months")
    legal_hold = RadioField(
        "Put this vacancy on legal hold?",
        choices=options(HOLD_CHOICES),
        validators=[InputRequired("Select whether this vacancy is on legal hold")],
    )
    legal_hold_reason = TextAreaField("Reason for the legal hold")

    @classmethod
    def for_vacancy(cls, vacancy: Vacancy) -> RetentionForm:
        """The form filled in with the vacancy's current settings."""
        return cls(
            data={
                "retention_months": str(vacancy.retention_months),
                "legal_hold": "yes" if vacancy.legal_hold else "no",
                "legal_hold_reason": vacancy.legal_hold_reason,
            }
        )

    @property
    def months(self) -> int:
        """The period, once validation has accepted it."""
        number = ascii_int(self.retention_months.data)
        assert number is not None  # validate_retention_months refused anything else
        return number

    @property
    def hold(self) -> bool:
        """Whether the hold is on."""
        return bool(self.legal_hold.data == "yes")

    def validate_retention_months(self, field: Field) -> None:
        """A whole number of months from MIN_MONTHS to MAX_MONTHS, in the digits 0 to 9."""
        bounded_whole_number(
            field.data, "Retention period", MIN_MONTHS, MAX_MONTHS, example=6, unit="months"
        )

    def validate_legal_hold_reason(self, field: Field) -> None:
        """A reason is needed to put a vacancy on hold."""
        reason = clean_reason(field.data or "")
        if self.legal_hold.data == "yes" and not reason:
            raise ValidationError("Enter the reason for the legal hold")
        if len(reason) > HOLD_REASON_CHARS:
            raise ValidationError(
                f"Reason for the legal hold must be {HOLD_REASON_CHARS} characters or fewer"
            )
