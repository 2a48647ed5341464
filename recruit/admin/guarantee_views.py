"""The guaranteed-interview report: opted in, met the minimum, invited, overridden with a reason.

A vacancy's report is for its recruiters and admins; the report across every vacancy is for
admins. Counts and recorded reasons only: no request text, no monitoring answers.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from recruit.admin.access import get_team_vacancy
from recruit.admin.blueprint import bp
from recruit.models import Vacancy
from recruit.services import guarantee, scoring
from recruit.services.access import may_see_adjustments
from recruit.web.authz import admin_required, staff_required


def _vacancy_scheme(vacancy: Vacancy) -> guarantee.SchemeCounts | None:
    """The vacancy's figures for its page, or None for anyone who may not see them."""
    if not may_see_adjustments(current_user, vacancy.id):
        return None
    found = guarantee.scheme_counts(vacancy.id)
    return (
        found[0]
        if found
        else guarantee.SchemeCounts(vacancy.id, vacancy.title, vacancy.reference, 0, 0, 0, 0)
    )


@bp.context_processor
def _guarantee_helpers() -> dict[str, object]:
    return {"vacancy_scheme": _vacancy_scheme}


@bp.route("/vacancies/<int:vacancy_id>/guaranteed-interviews")
@staff_required
def vacancy_guarantees(vacancy_id: int) -> str:
    """One vacancy's guaranteed-interview figures and every recorded override's reason."""
    vacancy = get_team_vacancy(vacancy_id, audited="guaranteed-interview report")
    counts = _vacancy_scheme(vacancy)
    if counts is None:
        abort(403)
    return render_template(
        "admin/guarantees.html",
        vacancy=vacancy,
        rows=[counts],
        overrides=guarantee.overrides_for(vacancy.id),
        pass_mark_label=scoring.label(guarantee.PASS_MARK),
    )


@bp.route("/guaranteed-interviews")
@admin_required
def all_guarantees() -> str:
    """Every vacancy with an opted-in application: the scheme's figures side by side."""
    return render_template(
        "admin/guarantees.html",
        vacancy=None,
        rows=guarantee.scheme_counts(),
        overrides=[],
        pass_mark_label=scoring.label(guarantee.PASS_MARK),
    )
