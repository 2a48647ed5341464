"""The form a recruiter uses to acknowledge a candidate's request for adjustments."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from recruit.models.adjustments import RESPONSE_CHARS
from recruit.parsing import MAX_ROW_ID, ascii_int


class AcknowledgeForm(FlaskForm):  # type: ignore[misc]
    """Acknowledge one request, with an optional reply the candidate reads on their page."""

    request_id = HiddenField()
    response = TextAreaField(
        "Reply to the candidate (optional)",
        validators=[
            Length(
                max=RESPONSE_CHARS, message=f"Reply must be {RESPONSE_CHARS} characters or fewer"
            )
        ],
    )

    def request_number(self) -> int | None:
        """The posted request id, or None when it is not a whole number."""
        return ascii_int(self.request_id.data, MAX_ROW_ID)
