"""What the admin's forms share: choices from a mapping, bounded numbers, and visible stages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from wtforms import SelectChoice
from wtforms.validators import ValidationError

from recruit.models import ApplicationStatus
from recruit.parsing import ascii_int, has_other_digits

# Every stage but the candidate's private draft.
VISIBLE_STATUSES: Final = [s for s in ApplicationStatus if s is not ApplicationStatus.DRAFT]


def options(labels: Mapping[str, str]) -> list[SelectChoice]:
    """WTForms choices from a value-to-label mapping, in the mapping's order."""
    return [SelectChoice(value, label) for value, label in labels.items()]


def bounded_whole_number(
    raw: str | None, what: str, low: int, high: int, *, example: int, unit: str = ""
) -> int:
    """`raw` as a whole number from `low` to `high` in the digits 0 to 9, else ValidationError.

    `what` names the field in the messages ("Retention period"), `unit` follows the numbers
    ("months") and `example` is the usual value quoted in them.
    """
    text = (raw or "").strip()
    if not text:
        in_unit = f" in {unit}" if unit else ""
        raise ValidationError(f"Enter a {what[0].lower()}{what[1:]}{in_unit}")
    number = ascii_int(text)
    if number is None and has_other_digits(text):
        raise ValidationError(f"{what} must use the digits 0 to 9, like {example}")
    if number is None:
        kind = f"a whole number of {unit}" if unit else "a whole number"
        raise ValidationError(f"{what} must be {kind}, like {example}")
    if not low <= number <= high:
        after = f" {unit}" if unit else ""
        raise ValidationError(f"{what} must be between {low} and {high}{after}")
    return number
