"""The pipeline board: per vacancy and across vacancies, with filters, sorting and bulk actions."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm

from recruit.admin import bp
from recruit.admin.access import assessor_required, get_vacancy_for_staff, is_panel
from recruit.admin.sift_forms import BULK_ACTIONS, BoardFilterForm, BulkForm
from recruit.admin.views import View
from recruit.models import ApplicationStatus, Vacancy
from recruit.services import board, pipeline, scoring
from recruit.services.sift import SIFT_STATUSES, display_identity, identity_visible

# The largest row offset a page may ask for: within 32 bits, so every database can hold it.
MAX_OFFSET = 2**31 - 1
PANEL_STAGES = [s for s in ApplicationStatus if s in SIFT_STATUSES]
STAFF_STAGES = [s for s in ApplicationStatus if s is not ApplicationStatus.DRAFT]
# The board's own query arguments: the only ones links and redirects carry, never url_for's
# special arguments such as _external.
FILTER_NAMES = frozenset(
    {"status", "band", "listed", "theme", "sector", "submitted_from", "submitted_to", "sort"}
)


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


def filters_from(form: BoardFilterForm, vacancy: Vacancy | None) -> board.BoardFilters:
    """The board filters from a validated form; fields that failed validation are ignored."""
    after, before = form.date_range() if not form.errors else (None, None)
    status = form.status.data if "status" not in form.errors else ""
    return board.BoardFilters(
        vacancy_id=vacancy.id if vacancy else None,
        status=ApplicationStatus(status) if status else None,
        band=form.band.data or "" if "band" not in form.errors else "",
        listed=form.listed.data or "" if "listed" not in form.errors else "",
        theme="" if vacancy or "theme" in form.errors else form.theme.data or "",
        sector="" if vacancy or "sector" in form.errors else form.sector.data or "",
        submitted_from=after,
        submitted_before=before,
        sort=form.sort.data if form.sort.data in board.SORTS else "submitted",
    )


def requested_page(raw: str | None, per_page: int) -> int:
    """The page asked for, at least 1 and small enough that its offset fits any database integer.

    Anything that is not a whole number means page 1; the caller clamps to the last page.
    """
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return min(max(number, 1), MAX_OFFSET // max(per_page, 1) + 1)


def render_board(vacancy: Vacancy | None, bulk_form: FlaskForm) -> tuple[str, int]:
    """The board page, with the filter form from the query string and the bulk form given."""
    form = BoardFilterForm(request.args)
    form.validate()
    filters = filters_from(form, vacancy)
    per_page = int(current_app.config["PAGE_SIZE"])
    wanted = requested_page(request.args.get("page"), per_page)
    page = board.board_page(current_user, filters, page=wanted, per_page=per_page)
    if page.page > max(page.pages, 1):
        # Past the end: show the last page, as the portal's vacancy list does.
        page = board.board_page(current_user, filters, page=max(page.pages, 1), per_page=per_page)
    args = {k: v for k, v in request.args.items() if k in FILTER_NAMES and v}
    html = render_template(
        "admin/board.html",
        vacancy=vacancy,
        form=form,
        bulk_form=bulk_form,
        bulk_actions=BULK_ACTIONS,
        counts=board.stage_counts(current_user, filters),
        stages=PANEL_STAGES if is_panel() else STAFF_STAGES,
        page=page,
        args=args,
        sort_label=board.SORTS[filters.sort],
        labels=pipeline.STAFF_LABELS,
        score_label=scoring.label,
        display_identity=display_identity,
        identity_visible=identity_visible,
        can_act=not is_panel(),
    )
    return html, 400 if form.errors or bulk_form.errors else 200
