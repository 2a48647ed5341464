"""The pipeline board: a vacancy's columns of cards, and the list view (its page in `pages`)."""

from __future__ import annotations

from typing import Final

from flask import render_template
from flask_login import current_user

from recruit.admin.access import (
    assessor_required,
    audit_admin_access,
    get_team_vacancy,
    is_panel,
)
from recruit.admin.blueprint import bp
from recruit.admin.board_forms import card_moves
from recruit.admin.bulk_forms import BulkForm
from recruit.admin.pages import PANEL_STAGES, STAFF_STAGES, View, render_board
from recruit.services import board
from recruit.taxonomy import STAFF_LABELS
from recruit.web import staff_pages
from recruit.web.page_cache import Rendered

# Each stage's move targets, worked out once: the pipeline's rule does not change at run time.
MOVES: Final = card_moves()


@bp.route("/vacancies/<int:vacancy_id>/board")
@assessor_required
def vacancy_board(vacancy_id: int) -> View:
    """A vacancy's board: a column per stage with its count and first cards, each card with a
    keyboard-operable move (a form post); the rest of a column is a link to the list."""
    vacancy = get_team_vacancy(vacancy_id, audited="applications board")
    panel = is_panel()
    counts = board.stage_counts(current_user, board.BoardFilters(vacancy_id=vacancy.id))
    return render_template(
        "admin/board_columns.html",
        vacancy=vacancy,
        stages=PANEL_STAGES if panel else STAFF_STAGES,
        counts=counts,
        columns=board.column_cards(current_user, vacancy.id, counts),
        labels=STAFF_LABELS,
        moves=MOVES,
        can_act=not panel,
    )


@bp.route("/vacancies/<int:vacancy_id>/applications")
@assessor_required
def vacancy_applications(vacancy_id: int) -> View:
    """A vacancy's list view: its hiring team and admins only (recruiters outside it get 403)."""
    vacancy = get_team_vacancy(vacancy_id, audited="applications board")
    return staff_pages.serve(lambda: Rendered(*render_board(vacancy, BulkForm(formdata=None))))


@bp.route("/applications")
@assessor_required
def all_applications() -> View:
    """Applications across every vacancy whose team the user is on (admins: every one)."""
    audit_admin_access(None, what="applications across vacancies")
    return staff_pages.serve(lambda: Rendered(*render_board(None, BulkForm(formdata=None))))
