"""The geometry of the server-drawn charts: bars in proportion, inside the drawing."""

from __future__ import annotations

from recruit.admin import charts


def test_horizontal_bars_are_in_proportion_and_leave_room_for_the_value() -> None:
    rows = [charts.Row("A", 10, "10"), charts.Row("B", 5, "5"), charts.Row("C", 0, "0")]
    chart = charts.horizontal("k", "Title", "Summary", rows)
    widths = [bar.width for bar in chart.bars]
    assert widths[0] == charts.WIDTH - charts.VALUE_SPACE
    assert widths[1] == widths[0] / 2 and widths[2] == 0
    assert chart.height == 3 * charts.ROW + 8 and not chart.empty


def test_columns_fit_the_width_however_many_days() -> None:
    for days in (1, 7, 120):
        rows = [charts.Row(f"Day {i}", i % 4, str(i % 4)) for i in range(days)]
        chart = charts.columns("d", "Per day", "Summary", rows, "first", "last")
        assert all(bar.x >= 0 and bar.x + bar.width <= charts.WIDTH for bar in chart.bars)
        tallest = max(chart.bars, key=lambda bar: bar.height)
        assert tallest.y == charts.PLOT_TOP or days == 1


def test_a_chart_of_zeros_is_empty() -> None:
    chart = charts.horizontal("z", "Zeros", "Summary", [charts.Row("A", 0, "0")])
    assert chart.empty and chart.bars[0].width == 0
