"""Keeping spreadsheet cells inert: no value may be read as a formula (CSV/formula injection)."""

from __future__ import annotations

from typing import Final

# OWASP's list: a cell starting with any of these can be evaluated by a spreadsheet.
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 (XLSX) cannot hold most control characters; neither should a CSV meant for people.
_CONTROL: Final = {c: None for c in range(32) if chr(c) not in "\t\n\r"}
XLSX_CELL_LIMIT: Final = 32_767


def neutralise(value: object) -> str:
    """Text that a spreadsheet will show as typed, never evaluate."""
    text = "" if value is None else str(value)
    text = text.translate(_CONTROL)
    if text.startswith(FORMULA_TRIGGERS):
        # A leading apostrophe is the spreadsheet convention for "this is text".
        return "'" + text
    return text


def xlsx_text(value: object) -> str:
    """A neutralised value cut to what one XLSX cell can hold."""
    text = neutralise(value)
    if len(text) > XLSX_CELL_LIMIT:
        marker = " [truncated]"
        text = text[: XLSX_CELL_LIMIT - len(marker)] + marker
    return text
