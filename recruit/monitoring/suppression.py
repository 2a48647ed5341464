"""Small-number suppression for published tables, so no one can be picked out of a report.

Primary: a count under the threshold (5) is shown as "fewer than 5". Secondary: more cells (and
totals) are withheld until no suppressed value can be worked out from what is published.

The table is treated with its row totals, column totals and grand total as one extended table
in which every row and every column adds up. The suppressed entries are the unknowns of those
equations. Seen as a bipartite graph (lines as nodes, suppressed entries as edges), an entry
can be solved for exactly when it is a bridge: it lies on no cycle. A line holding one
suppressed entry is the simplest case ("subtract from the total"); two cycles joined by one
entry is a subtler one. So while any suppressed entry is a bridge, the cheapest rectangle of
entries through it is suppressed too, which puts it on a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

THRESHOLD: Final = 5

Position = tuple[int, int]


class Mark(StrEnum):
    """Why a value is not shown."""

    SHOWN = "shown"
    SMALL = "small"  # under the threshold: "fewer than 5"
    WITHHELD = "withheld"  # large enough, hidden so that a small one cannot be derived


@dataclass(frozen=True)
class Suppressed:
    """The extended table: `values[r][c]`, row totals in the last column, column totals in the
    last row, the grand total in the corner; `marks` says which may be published."""

    values: list[list[int]]
    marks: list[list[Mark]]

    def shown(self, r: int, c: int) -> int | None:
        """The value at (r, c) if it may be published, else None."""
        return self.values[r][c] if self.marks[r][c] is Mark.SHOWN else None

    def text(self, r: int, c: int) -> str:
        """What a report prints at (r, c)."""
        mark = self.marks[r][c]
        if mark is Mark.SMALL:
            return f"fewer than {THRESHOLD}"
        if mark is Mark.WITHHELD:
            return "withheld"
        return str(self.values[r][c])


def extend(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """The counts with a total column, a total row and the grand total."""
    width = len(counts[0]) if counts else 0
    rows = [[*row, sum(row)] for row in counts]
    totals = [sum(row[c] for row in rows) for c in range(width + 1)]
    return [*rows, totals]


def suppress(
    counts: Sequence[Sequence[int]],
    threshold: int = THRESHOLD,
    *,
    row_totals: bool = True,
    keep_column_totals: bool = False,
) -> Suppressed:
    """Mark the extended table of `counts` so that no value under `threshold` can be derived.

    `row_totals=False`: the row totals are never published (a report whose columns are nested
    stages, not parts of a whole). `keep_column_totals=True`: secondary suppression never
    withholds a column total, because the same totals appear in other tables, where a value
    withheld here could be read.
    """
    values = extend(counts)
    small = {
        (r, c) for r, row in enumerate(values) for c, value in enumerate(row) if value < threshold
    }
    hidden = set(small)
    last_row, last_col = len(values) - 1, len(values[0]) - 1
    if not row_totals:
        hidden |= {(r, last_col) for r in range(last_row + 1)}
    keep = {(last_row, c) for c in range(last_col + 1)} if keep_column_totals else set()
    # Only a small value needs protecting: a withheld one being derivable reveals no small one.
    while bridge := min(bridges(hidden) & small, default=None):
        added = cheapest_rectangle(values, hidden, bridge, keep) or cheapest_rectangle(
            values, hidden, bridge, set()
        )
        if not added:  # a table of one row or one column: nothing can hide it but itself
            break
        hidden |= added
    marks = [
        [
            Mark.SMALL if (r, c) in small else Mark.WITHHELD if (r, c) in hidden else Mark.SHOWN
            for c in range(len(row))
        ]
        for r, row in enumerate(values)
    ]
    return Suppressed(values, marks)


def bridges(hidden: set[Position]) -> set[Position]:
    """Suppressed entries on no cycle of the row/column graph: each can be solved for."""
    return {edge for edge in hidden if not _connected_without(hidden, edge)}


def _connected_without(hidden: set[Position], edge: Position) -> bool:
    """Whether row `edge[0]` still reaches column `edge[1]` through other suppressed entries."""
    others = hidden - {edge}
    start, goal = ("r", edge[0]), ("c", edge[1])
    seen, frontier = {start}, [start]
    while frontier:
        kind, index = frontier.pop()
        for r, c in others:
            if kind == "r" and r == index:
                node = ("c", c)
            elif kind == "c" and c == index:
                node = ("r", r)
            else:
                continue
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                frontier.append(node)
    return False


def cheapest_rectangle(
    values: list[list[int]], hidden: set[Position], bridge: Position, keep: set[Position]
) -> set[Position]:
    """The entries to add so that `bridge` is a corner of a suppressed rectangle, at least cost.

    Cost is the sum of the values newly hidden (ties: fewest entries, then position), so
    secondary suppression withholds as little as it can.
    """
    r, c = bridge
    best: tuple[int, int, Position] | None = None
    chosen: set[Position] = set()
    for r2 in range(len(values)):
        for c2 in range(len(values[0])):
            if r2 == r or c2 == c:
                continue
            added = {(r, c2), (r2, c2), (r2, c)} - hidden
            if added & keep:
                continue
            key = (sum(values[i][j] for i, j in added), len(added), (r2, c2))
            if best is None or key < best:
                best, chosen = key, added
    return chosen
