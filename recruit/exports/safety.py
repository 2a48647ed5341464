"""Keeping spreadsheet cells inert: no value may be read as a formula (CSV/formula injection).

This module is the one home of the rule's characters; sqlcells.py builds the SQL twin of each
function here from the same constants.
"""

from __future__ import annotations

import re
from typing import Final

# OWASP's list: a cell starting with any of these can be evaluated by a spreadsheet.
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 (XLSX) cannot hold most control characters; neither should a CSV meant for people.
CONTROL_CHARS: Final = "".join(chr(n) for n in range(32) if chr(n) not in "\t\n\r")
# A spreadsheet whose list separator is `;` (the default across much of Europe) splits a
# comma-separated line at every `;`, inside quotes or not, and may start a row at any line break:
# each piece then begins a cell of its own, so each piece must be inert too. A piece starting
# with a quote, or an empty last piece (followed by our closing quote), counts as well: such a
# cell is read as a quoted field, which swallows the quote and goes on with what follows it.
PIECE_SEPARATORS: Final = ";\r\n"
PIECE_TRIGGERS: Final = "".join(FORMULA_TRIGGERS) + '"'
XLSX_CELL_LIMIT: Final = 32_767
TRUNCATED: Final = " [truncated]"


def bracket(chars: str) -> str:
    """A regex bracket expression for any one of `chars`, read alike by Python and PostgreSQL."""
    # The characters themselves, `-` last so both read it literally; none of ours is `]`, `^`
    # or a backslash, the only others either dialect would read specially here.
    return "[" + chars.replace("-", "") + ("-" if "-" in chars else "") + "]"


_CONTROL: Final = re.compile(bracket(CONTROL_CHARS))
_PIECE_START: Final = re.compile(f"({bracket(PIECE_SEPARATORS)})(?={bracket(PIECE_TRIGGERS)}|\\Z)")


def neutralise(value: object) -> str:
    """Text that a spreadsheet will show as typed, never evaluate."""
    text = "" if value is None else str(value)
    if _CONTROL.search(text):  # rare: search first so clean text is not copied
        text = _CONTROL.sub("", text)
    if text.startswith(FORMULA_TRIGGERS):
        # A leading apostrophe is the spreadsheet convention for "this is text".
        return "'" + text
    return text


def csv_text(value: object) -> str:
    """A neutralised value that stays inert however a spreadsheet splits it at `;` or a line."""
    text = neutralise(value)
    # PIECE_SEPARATORS spelled out: three `in` tests cost a third of a regex search, per cell.
    if ";" in text or "\n" in text or "\r" in text:
        text = _PIECE_START.sub(r"\1'", text)
    return text


def xlsx_text(value: object) -> str:
    """A neutralised value cut to what one XLSX cell can hold."""
    text = neutralise(value)
    if len(text) > XLSX_CELL_LIMIT:
        text = text[: XLSX_CELL_LIMIT - len(TRUNCATED)] + TRUNCATED
    return text
