"""UK dates and times for pages, emails and exports: the one home of the Europe/London zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# The partnership recruits in England: every time a person reads is UK time, GMT or BST.
UK = ZoneInfo("Europe/London")


def to_uk(value: datetime) -> datetime:
    """The same instant on the UK clock."""
    return value.astimezone(UK)


def uk_datetime(value: datetime | None, **_: Any) -> str:
    """Format a UTC time in UK time, e.g. '5:00pm on Friday 12 December 2026 (GMT)'."""
    if value is None:
        return ""
    local = to_uk(value)
    hour = local.strftime("%I").lstrip("0") or "12"
    clock = f"{hour}:{local:%M}{local.strftime('%p').lower()}"
    if local.hour == 12 and local.minute == 0:
        clock = "midday"
    return f"{clock} on {local:%A} {local.day} {local:%B %Y} ({local.tzname()})"


def uk_date(value: datetime | None) -> str:
    """Format a UTC time as a UK date, e.g. '12 December 2026'."""
    if value is None:
        return ""
    local = to_uk(value)
    return f"{local.day} {local:%B %Y}"
