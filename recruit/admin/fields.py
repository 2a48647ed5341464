"""What the admin's forms share: choices from a mapping, and the stages staff may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from wtforms import SelectChoice

from recruit.models import ApplicationStatus

# Every stage but the candidate's private draft.
VISIBLE_STATUSES: Final = [s for s in ApplicationStatus if s is not ApplicationStatus.DRAFT]


def options(labels: Mapping[str, str]) -> list[SelectChoice]:
    """WTForms choices from a value-to-label mapping, in the mapping's order."""
    return [SelectChoice(value, label) for value, label in labels.items()]
