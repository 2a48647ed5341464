"""The form an admin fills in to log a subject access request received by post or email."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired

from recruit.admin.fields import options
from recruit.auth.forms import email_field
from recruit.formatting import UK
from recruit.models.privacy import AccessChannel
from recruit.parsing import ascii_int, has_other_digits


class AccessRequestForm(FlaskForm):  # type: ignore[misc]
    """Whose data, how the request came, and the day it was received (UK date)."""

    email = email_field("Enter the email address of the person's account")
    channel = RadioField(
        "How the request was received",
        choices=options(
            {AccessChannel.POST.value: "By post", AccessChannel.EMAIL.value: "By email"}
        ),
        validators=[InputRequired("Select how the request was received")],
    )
    received_day = StringField("Day")
    received_month = StringField("Month")
    received_year = StringField("Year")

    received_at: datetime | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        """The field checks, then the date: real, and not in the future."""
        fields_ok = super().validate(extra_validators)
        return self._check_date() and fields_ok

    def _check_date(self) -> bool:
        parts = [self.received_day, self.received_month, self.received_year]
        if any(not (p.data or "").strip() for p in parts):
            self.received_day.errors.append("Enter the date the request was received")
            return False
        if any(has_other_digits(p.data) for p in parts):
            self.received_day.errors.append("The date must use the digits 0 to 9")
            return False
        day, month, year = (ascii_int(p.data) for p in parts)
        try:
            received = date(year or 0, month or 0, day or 0)
        except (ValueError, OverflowError):
            self.received_day.errors.append("The date received must be a real date")
            return False
        if received.year < 2000:
            self.received_day.errors.append("Enter the year in full, for example 2026")
            return False
        if received > datetime.now(UK).date():
            self.received_day.errors.append("The date received must be today or in the past")
            return False
        start = datetime(received.year, received.month, received.day, tzinfo=UK)
        self.received_at = start.astimezone(UTC)
        return True
