"""The pipeline board: per vacancy and across vacancies (the page itself is in `pages`)."""

from __future__ import annotations

from recruit.admin.access import assessor_required, get_vacancy_for_staff
from recruit.admin.blueprint import bp
from recruit.admin.bulk_forms import BulkForm
from recruit.admin.pages import View, render_board


@bp.route("/vacancies/<int:vacancy_id>/applications")
@assessor_required
def vacancy_applications(vacancy_id: int) -> View:
    """A vacancy's board: applications per stage and the filtered list."""
    return render_board(get_vacancy_for_staff(vacancy_id), BulkForm(formdata=None))


@bp.route("/applications")
@assessor_required
def all_applications() -> View:
    """Applications across every vacancy the user may see, filterable by theme and sector."""
    return render_board(None, BulkForm(formdata=None))
