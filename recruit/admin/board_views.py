"""The pipeline board: per vacancy and across vacancies (the page itself is in `pages`)."""

from __future__ import annotations

from recruit.admin.access import assessor_required, audit_admin_access, get_team_vacancy
from recruit.admin.blueprint import bp
from recruit.admin.bulk_forms import BulkForm
from recruit.admin.pages import View, render_board


@bp.route("/vacancies/<int:vacancy_id>/applications")
@assessor_required
def vacancy_applications(vacancy_id: int) -> View:
    """A vacancy's board: its hiring team and admins only (recruiters outside it get 403)."""
    vacancy = get_team_vacancy(vacancy_id, audited="applications board")
    return render_board(vacancy, BulkForm(formdata=None))


@bp.route("/applications")
@assessor_required
def all_applications() -> View:
    """Applications across every vacancy whose team the user is on (admins: every one)."""
    audit_admin_access(None, what="applications across vacancies")
    return render_board(None, BulkForm(formdata=None))
