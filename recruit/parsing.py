"""Whole numbers typed or posted by people: ASCII digits 0-9 only, so bad input is never a 500.

`str.isdigit()` is true for `²`, `①` and `¹²`, which `int()` refuses (a ValueError, so a 500),
and `int()` itself accepts Arabic-Indic, fullwidth and other Unicode decimal digits, surrounding
whitespace and `_` separators, and refuses strings over 4,300 digits. Every number that arrives
from a form, a query string or a session marker goes through `ascii_int` instead, so there is
one rule: the digits 0 to 9, nothing else. Other scripts' digits get the field's usual "whole
number" message rather than being read silently (the pages ask for digits, like `1000`).
"""

from __future__ import annotations

from typing import Final

# Far below Python's 4,300-digit conversion limit, and within a signed 64-bit integer.
MAX_DIGITS: Final = 18
# The largest id an INTEGER primary key can hold (PostgreSQL's int4; SQLite allows more).
MAX_ROW_ID: Final = 2**31 - 1
ASCII_DIGITS: Final = frozenset("0123456789")


def ascii_int(raw: object, maximum: int | None = None) -> int | None:
    """The whole number `raw` spells in ASCII digits (spaces around allowed), else None."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or len(text) > MAX_DIGITS or not ASCII_DIGITS.issuperset(text):
        return None
    number = int(text)
    if maximum is not None and number > maximum:
        return None
    return number


def has_other_digits(raw: object) -> bool:
    """Whether `raw` holds numerals other than 0-9 (superscript, circled, another script's)."""
    return isinstance(raw, str) and any(ch.isnumeric() and ch not in ASCII_DIGITS for ch in raw)
