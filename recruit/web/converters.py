"""URL converters: an `<int:...>` path segment is ASCII digits only, as `recruit.parsing` rules.

Werkzeug's own integer converter matches `\\d`, which in Python's regular expressions takes any
script's decimal digits, so an Arabic-Indic or a fullwidth seven in `/applications/7` reached
the same page. One spelling per resource: other digits find no route (404).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter


class AsciiIntegerConverter(IntegerConverter):
    """`int` for URL paths, matching the digits 0 to 9 only."""

    regex = r"[0-9]+"
