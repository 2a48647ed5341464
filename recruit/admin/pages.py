"""Pages more than one admin views module renders: the application page and the board.

Views modules share these helpers rather than importing one another.
"""

from __future__ import annotations

from typing import Final

from flask import current_app, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from recruit.admin.access import is_panel
from recruit.admin.application_forms import MoveForm
from recruit.admin.board_forms import BoardFilterForm
from recruit.admin.bulk_forms import BULK_ACTIONS
from recruit.admin.sift_forms import NoteForm, RevealForm, inline_score_form
from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, StatusChange, Vacancy
from recruit.services import access, board, pipeline, scoring, sift, sift_queue
from recruit.taxonomy import STAFF_LABELS

View = str | Response | tuple[str, int]

# The largest row offset a page may ask for: within 32 bits, so every database can hold it.
MAX_OFFSET: Final = 2**31 - 1
PANEL_STAGES: Final = [s for s in ApplicationStatus if s in access.SIFT_STATUSES]
STAFF_STAGES: Final = [s for s in ApplicationStatus if s is not ApplicationStatus.DRAFT]
# The board's own query arguments: the only ones links and redirects carry, never url_for's
# special arguments such as _external.
FILTER_NAMES: Final = frozenset(
    {"status", "band", "listed", "theme", "sector", "submitted_from", "submitted_to", "sort"}
)


def render_application(
    application: Application,
    *,
    move_form: MoveForm | None = None,
    note_form: NoteForm | None = None,
    reveal_form: RevealForm | None = None,
    score_form: FlaskForm | None = None,
) -> tuple[str, int]:
    """The application page as the current user may see it; any form given carries errors."""
    forms = [f for f in (score_form, move_form, note_form, reveal_form) if f is not None]
    move_form = move_form or MoveForm(formdata=None)
    move_form.offer(pipeline.allowed_moves(application))
    staff = not is_panel()
    mine = scoring.own_scores(application, current_user)
    if score_form is None and access.may_score(current_user, application):
        # The reading order: statement and evidence, then this form, then the move.
        score_form = None if access.has_submitted(mine) else inline_score_form(application, mine)
    page = render_template(
        "admin/application.html",
        application=application,
        vacancy=application.vacancy,
        staff=staff,
        history=_history(application) if staff else [],
        notes=sift.notes_for(application) if staff else [],
        reveals=sift.reveals_for(application) if staff else [],
        form=forms[0] if forms else move_form,
        move_form=move_form,
        note_form=note_form or NoteForm(formdata=None),
        reveal_form=reveal_form or RevealForm(formdata=None),
        labels=STAFF_LABELS,
        identity=sift.display_identity(application, current_user),
        identity_visible=access.identity_visible(application, current_user),
        results=scoring.results(application),
        own=mine,
        submitted=access.has_submitted(mine),
        see_others=access.can_see_others(current_user, mine),
        verdict=scoring.essential_verdict,
        score_label=scoring.label,
        moderator=access.is_moderator(current_user, application.vacancy_id),
        in_sift=application.status in access.SIFT_STATUSES,
        score_form=score_form,
        queue=sift_queue.place(current_user, application),
    )
    return page, 400 if any(f.errors for f in forms) else 200


def _history(application: Application) -> list[StatusChange]:
    return list(
        db.session.scalars(
            select(StatusChange)
            .options(selectinload(StatusChange.changed_by))
            .where(StatusChange.application_id == application.id)
            .order_by(StatusChange.changed_at, StatusChange.id)
        )
    )


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
    counts = board.stage_counts(current_user, filters)
    page = board.board_page(current_user, filters, wanted, per_page, counts)
    if page.page > max(page.pages, 1):
        # Past the end: show the last page, as the portal's vacancy list does.
        page = board.board_page(current_user, filters, max(page.pages, 1), per_page, counts)
    args = {k: v for k, v in request.args.items() if k in FILTER_NAMES and v}
    html = render_template(
        "admin/board.html",
        vacancy=vacancy,
        form=form,
        bulk_form=bulk_form,
        bulk_actions=BULK_ACTIONS,
        counts=counts,
        stages=PANEL_STAGES if is_panel() else STAFF_STAGES,
        page=page,
        args=args,
        sort_label=board.SORTS[filters.sort],
        labels=STAFF_LABELS,
        score_label=scoring.label,
        display_identity=sift.display_identity,
        identity_visible=access.identity_visible,
        can_act=not is_panel(),
    )
    return html, 400 if form.errors or bulk_form.errors else 200
