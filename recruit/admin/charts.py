"""Charts drawn on the server: the geometry of inline SVG bar charts, with no script.

Templates draw the shapes (`templates/admin/_dashboard_charts.html`), so Jinja escapes every
label; colours come from classes in the stylesheet, never style attributes (the CSP forbids
them). Each chart carries its rows too, for the table that follows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

# The drawing's own units; the SVG scales to its box.
WIDTH: Final = 400
ROW: Final = 44
BAR: Final = 16
VALUE_SPACE: Final = 64
PLOT_TOP: Final = 24
PLOT_HEIGHT: Final = 150
AXIS_LEFT: Final = 8


@dataclass(frozen=True)
class Row:
    """One category of a chart and its value, as the table shows them."""

    label: str
    value: float
    text: str


@dataclass(frozen=True)
class Bar:
    """A drawn bar: its rectangle, and where its label and value go."""

    row: Row
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    """A bar chart ready to draw: its id, title, summary, bars and size."""

    key: str
    title: str
    summary: str
    rows: Sequence[Row]
    bars: Sequence[Bar]
    height: int
    vertical: bool = False
    first_label: str = ""
    last_label: str = ""
    top_text: str = ""

    @property
    def empty(self) -> bool:
        """Whether every value is zero: nothing to draw."""
        return not any(row.value for row in self.rows)


def horizontal(key: str, title: str, summary: str, rows: Sequence[Row]) -> Chart:
    """Bars across the page, one row each: label above, value after the bar's end."""
    top = max((row.value for row in rows), default=0) or 1
    span = WIDTH - VALUE_SPACE
    bars = [
        Bar(row, 0, i * ROW + 22, max(span * row.value / top, 1 if row.value else 0), BAR)
        for i, row in enumerate(rows)
    ]
    return Chart(key, title, summary, rows, bars, len(rows) * ROW + 8)


def columns(
    key: str, title: str, summary: str, rows: Sequence[Row], first: str, last: str
) -> Chart:
    """Upright bars in a row, e.g. one per day; the first and last labels go under the axis."""
    top = max((row.value for row in rows), default=0) or 1
    slot = (WIDTH - AXIS_LEFT) / max(len(rows), 1)
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, row in enumerate(rows):
        height = PLOT_HEIGHT * row.value / top
        x = AXIS_LEFT + i * slot + gap / 2
        bars.append(Bar(row, x, PLOT_TOP + PLOT_HEIGHT - height, slot - gap, height))
    top_text = f"{top:g}" if any(row.value for row in rows) else "0"
    return Chart(
        key,
        title,
        summary,
        rows,
        bars,
        PLOT_TOP + PLOT_HEIGHT + 28,
        vertical=True,
        first_label=first,
        last_label=last,
        top_text=top_text,
    )
