"""Keeping spreadsheet cells inert: no value may be read as a formula (CSV/formula injection)."""

from __future__ import annotations

import re
from typing import Final

# OWASP's list: a cell starting with any of these can be evaluated by a spreadsheet.
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 (XLSX) cannot hold most control characters; neither should a CSV meant for people.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_CELL_LIMIT: Final = 32_767


def neutralise(value: object) -> str:
    """Text that a spreadsheet will show as typed, never evaluate."""
    text = "" if value is None else str(value)
    if _CONTROL.search(text):  # rare: search first so clean text is not copied
        text = _CONTROL.sub("", text)
    if text.startswith(FORMULA_TRIGGERS):
        # A leading apostrophe is the spreadsheet convention for "this is text".
        return "'" + text
    return text


# A spreadsheet whose list separator is `;` (the default across much of Europe) splits a
# comma-separated line at every `;`, inside quotes or not, and may start a row at any line break:
# each piece then begins a cell of its own, so each piece must be inert too. A piece starting
# with a quote, or an empty last piece (followed by our closing quote), counts as well: such a
# cell is read as a quoted field, which swallows the quote and goes on with what follows it.
_PIECE_START: Final = re.compile(r"([;\r\n])(?=[=+\-@\t\r\"]|\Z)")


def csv_text(value: object) -> str:
    """A neutralised value that stays inert however a spreadsheet splits it at `;` or a line."""
    text = neutralise(value)
    if ";" in text or "\n" in text or "\r" in text:
        text = _PIECE_START.sub(r"\1'", text)
    return text


def xlsx_text(value: object) -> str:
    """A neutralised value cut to what one XLSX cell can hold."""
    text = neutralise(value)
    if len(text) > XLSX_CELL_LIMIT:
        marker = " [truncated]"
        text = text[: XLSX_CELL_LIMIT - len(marker)] + marker
    return text
