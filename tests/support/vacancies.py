"""The staff vacancy form in tests: a complete, valid set of fields to start from."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# Three years ahead: any closing date in it is in the future, whenever the suite runs.
FUTURE_YEAR = datetime.now(UTC).year + 3


def vacancy_form(**overrides: Any) -> dict[str, Any]:
    """A complete, valid vacancy form closing at 5pm UK time on 15 July, three years ahead."""
    data: dict[str, Any] = {
        "title": "Head of Skills and Talent",
        "summary": "Lead the region's skills partnership with universities and employers.",
        "description": "You will lead the programme.\n\nYou will work across the Midlands.",
        "location": "Birmingham (hybrid)",
        "salary_band": "£85,000 to £95,000",
        "contract_type": "fixed-term",
        "themes": ["skills", "innovation"],
        "sectors": ["medtech"],
        "essential_criteria": "Led a regional skills programme\n\nWorked with universities\n",
        "desirable_criteria": "Experience of apprenticeships",
        "statement_word_limit": "1200",
        "anonymised_sift": "y",
        "closing_day": "15",
        "closing_month": "7",
        "closing_year": str(FUTURE_YEAR),
        "closing_time": "17:00",
    }
    data.update(overrides)
    return data
