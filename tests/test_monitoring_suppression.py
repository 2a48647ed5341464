"""Small-number suppression: no suppressed count can be worked out from what is published.

The property test builds random tables and checks, by exact linear algebra over every published
row, column and total, that each count under 5 stays undetermined; and, more simply, that no
published line holds exactly one suppressed entry (a subtraction would reveal it).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from recruit.monitoring.suppression import THRESHOLD, Mark, Suppressed, suppress

Table = list[list[int]]

tables = st.integers(1, 6).flatmap(
    lambda rows: st.integers(1, 6).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.one_of(st.integers(0, 6), st.integers(0, 60)), min_size=cols, max_size=cols
            ),
            min_size=rows,
            max_size=rows,
        )
    )
)


def _rank(matrix: list[list[Fraction]]) -> int:
    """The rank of a small matrix, by exact Gaussian elimination."""
    rows = [row[:] for row in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def determined(table: Suppressed) -> set[tuple[int, int]]:
    """Hidden entries whose value follows from the published ones and the table's sums."""
    height, width = len(table.values), len(table.values[0])
    hidden = [
        (r, c) for r in range(height) for c in range(width) if table.marks[r][c] is not Mark.SHOWN
    ]
    index = {pos: i for i, pos in enumerate(hidden)}
    equations: list[list[Fraction]] = []
    # Each row's cells add up to its total (last column); each column's to its total (last row).
    lines = [[(r, c) for c in range(width)] for r in range(height)]
    lines += [[(r, c) for r in range(height)] for c in range(width)]
    for line in lines:
        coefficients = [Fraction(0)] * len(hidden)
        for k, pos in enumerate(line):
            if pos in index:
                coefficients[index[pos]] = Fraction(-1 if k == len(line) - 1 else 1)
        if any(coefficients):
            equations.append(coefficients)
    if not equations:
        return set()
    base = _rank(equations)
    found = set()
    for pos, i in index.items():
        unit = [Fraction(int(j == i)) for j in range(len(hidden))]
        if _rank([*equations, unit]) == base:
            found.add(pos)
    return found


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_count_under_five_can_be_recovered_from_the_published_totals(counts: Table) -> None:
    table = suppress(counts)
    small = {
        (r, c)
        for r, row in enumerate(table.marks)
        for c, mark in enumerate(row)
        if mark is Mark.SMALL
    }
    # Primary suppression: every count under 5, totals included, and nothing else, is "small".
    for r, row in enumerate(table.values):
        for c, value in enumerate(row):
            assert ((r, c) in small) is (value < THRESHOLD)
            if (r, c) in small:
                assert table.text(r, c) == "fewer than 5"
            elif table.marks[r][c] is Mark.SHOWN:
                assert table.text(r, c) == str(value)
    # Subtraction: no row or column (with its total) has exactly one hidden entry holding a
    # small count.
    height, width = len(table.values), len(table.values[0])
    for line in [[(r, c) for c in range(width)] for r in range(height)] + [
        [(r, c) for r in range(height)] for c in range(width)
    ]:
        hidden = [pos for pos in line if table.marks[pos[0]][pos[1]] is not Mark.SHOWN]
        assert not (len(hidden) == 1 and hidden[0] in small), f"{hidden} by subtraction"
    # And no combination of the published lines pins a small count down either.
    assert not determined(table) & small


def test_one_small_cell_takes_the_next_smallest_in_its_row_and_column_with_it() -> None:
    table = suppress([[20, 3, 30], [40, 50, 60], [25, 35, 45]])
    assert table.text(0, 1) == "fewer than 5"
    assert table.marks[0][0] is Mark.WITHHELD, "the next smallest in its row"
    assert table.marks[2][1] is Mark.WITHHELD, "the next smallest in its column"
    assert table.marks[2][0] is Mark.WITHHELD, "closes the rectangle"
    assert table.text(1, 1) == "50" and table.text(3, 3) == str(20 + 3 + 30 + 150 + 105)


def test_two_cycles_joined_by_one_cell_are_broken_up() -> None:
    # Rows 0-1 x cols 0-1 and rows 2-3 x cols 2-3 are small blocks; cell (0, 2) joins them.
    big = 90
    counts = [[1, 2, 3, big], [4, 1, big, big], [big, big, 2, 1], [big, big, 1, 3]]
    table = suppress(counts)
    small = {(r, c) for r in range(5) for c in range(5) if table.marks[r][c] is Mark.SMALL}
    assert not determined(table) & small


def test_a_report_table_keeps_its_column_totals_and_hides_row_totals() -> None:
    table = suppress([[12, 8], [3, 1], [20, 9]], row_totals=False, keep_column_totals=True)
    assert [table.text(3, c) for c in range(2)] == ["35", "18"]
    assert all(table.marks[r][2] is not Mark.SHOWN for r in range(4))
    assert table.text(1, 0) == "fewer than 5" and table.marks[0][0] is Mark.WITHHELD
    assert table.text(2, 0) == "20"
