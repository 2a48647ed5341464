"""The request's side of access: load what the current user may open, or answer 404 or 403.

The rules themselves are `recruit.services.access`'s: every recruiter and admin may open a
vacancy's page; panel members only the vacancies they are assigned to. A vacancy's applications
(the board, an application and everything done to one, bulk actions, exports) are for its hiring
team and admins only: a recruiter outside the team gets a 403 page naming who to ask, a panel
member 404. Editing, publishing, reopening and closing the vacancy itself is for the same team
recruiters and admins (`get_managed_vacancy`). An admin who is not one of the team's recruiters
is let in and audited, here and nowhere else (`audit_admin_access`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Literal, NoReturn

from flask import abort, g, render_template
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from recruit.admin.blueprint import bp
from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Role, Vacancy
from recruit.services import audit, teams
from recruit.services.access import (
    SIFT_STATUSES,
    admin_access_audited,
    is_moderator,
    may_manage_team,
    may_manage_vacancy,
    may_open_applications,
    may_open_vacancy,
)
from recruit.services.bulk import MAX_SELECTION
from recruit.web.authz import log_not_on_team, roles_required

log = logging.getLogger(__name__)

# Pages that assessors use: recruiters, admins and panel members.
assessor_required = roles_required(Role.RECRUITER, Role.ADMIN, Role.PANEL)
# The audit event for an admin's access to applications of a team they are not on.
ADMIN_ACCESS_EVENT = "admin_application_access"
# What a refusal was about, for the 403 page: the team, the vacancy, or ("") its applications.
Managing = Literal["", "team", "vacancy"]


class NotOnTeam(Forbidden):
    """403: the vacancy's applications belong to its hiring team; `ask` names who can help."""

    def __init__(self, vacancy: Vacancy, ask: list[str], *, managing: Managing = "") -> None:
        super().__init__("not on the vacancy's hiring team")
        self.vacancy = vacancy
        self.ask = ask
        self.managing = managing


@bp.errorhandler(NotOnTeam)
def not_on_team_page(error: NotOnTeam) -> tuple[str, int]:
    """The 403 page for a recruiter outside the team: what they cannot do, and who to ask."""
    log_not_on_team(error.vacancy.id)
    page = render_template(
        "admin/not_on_team.html", vacancy=error.vacancy, ask=error.ask, managing=error.managing
    )
    return page, 403


def refuse_outside_team(vacancy: Vacancy, *, managing: Managing = "") -> NoReturn:
    """Answer 403 with the page that names the team's recruiters (or an administrator);
    `managing` says what was refused: the team, the vacancy itself, or (empty) applications."""
    db.session.rollback()
    raise NotOnTeam(vacancy, teams.contacts_for(vacancy.id), managing=managing)


def is_panel() -> bool:
    """Whether the current user is a panel member (and so sees only their panels' sift)."""
    return bool(current_user.is_authenticated and current_user.role is Role.PANEL)


def get_vacancy_for_staff(vacancy_id: int) -> Vacancy:
    """The vacancy's own page, or 404; a panel member gets 404 for one they are not on."""
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is None:
        abort(404)
    if not may_open_vacancy(current_user, vacancy.id):
        abort(404)
    return vacancy


def get_team_vacancy(vacancy_id: int, *, audited: str = "") -> Vacancy:
    """The vacancy, for work on its applications: its hiring team and admins only.

    A panel member off its panel gets 404 (as for the vacancy's page), a recruiter outside the
    team the 403 page; `audited` names the access (say "applications board") when it opens
    applications, so an admin outside the team is audited.
    """
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is None:
        abort(404)
    # One check covers both rules: on the team implies the vacancy's page may be opened too.
    if not may_open_applications(current_user, vacancy.id):
        if not may_open_vacancy(current_user, vacancy.id):
            abort(404)
        refuse_outside_team(vacancy)
    if audited:
        audit_admin_access(vacancy.id, what=audited)
    return vacancy


def get_managed_vacancy(vacancy_id: int, *, what: str) -> Vacancy:
    """The vacancy, to edit, publish, reopen or close: its team's recruiters and admins only.

    Others who may read its page get the 403 page naming who to ask; an admin outside the team
    is audited (`what` names the action), as closing emails the vacancy's candidates.
    """
    vacancy = get_vacancy_for_staff(vacancy_id)
    if not may_manage_vacancy(current_user, vacancy.id):
        refuse_outside_team(vacancy, managing="vacancy")
    audit_admin_access(vacancy.id, what=what)
    return vacancy


def require_team_manager(vacancy: Vacancy) -> None:
    """403 (naming who to ask) unless the current user may change the vacancy's team."""
    if not may_manage_team(current_user, vacancy.id):
        refuse_outside_team(vacancy, managing="team")


def _staff_application(application_id: int, *, for_update: bool) -> Application | None:
    query = select(Application).where(
        Application.id == application_id, Application.status != ApplicationStatus.DRAFT
    )
    if is_panel():
        query = query.where(Application.status.in_(sorted(SIFT_STATUSES)))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def get_application_for_staff(application_id: int, *, for_update: bool = False) -> Application:
    """A submitted (or later) application of a vacancy whose team the user is on, or 404/403.

    Drafts are the candidate's private work, so they answer 404 like an unknown id; panel
    members get 404 until the application reaches the sift or off their panels; recruiters
    outside the team get the 403 page. `for_update` locks the row so two recruiters moving it
    at once cannot both succeed; the lock is taken after any audit of the access is committed.
    """
    application = _staff_application(application_id, for_update=False)
    if application is None:
        abort(404)
    get_team_vacancy(application.vacancy_id)
    audit_admin_access(
        application.vacancy_id,
        application_id=application.id,
        subject_user_id=application.candidate_id,
    )
    if for_update:
        application = _staff_application(application_id, for_update=True)
        if application is None:
            abort(404)
    return application


def check_selection(application_ids: Iterable[int], what: str) -> None:
    """Refuse (403 page) a bulk selection holding any application outside the user's teams;
    an admin outside a team is audited for each selected application of it."""
    # The same ids `recruit.services.bulk.load_selection` would act on.
    wanted = sorted(set(application_ids))[:MAX_SELECTION]
    if not wanted:
        return
    rows = db.session.execute(
        select(Application.id, Application.vacancy_id, Application.candidate_id)
        .where(Application.id.in_(wanted), Application.status != ApplicationStatus.DRAFT)
        .order_by(Application.id)
    ).all()
    for vacancy_id in sorted({row.vacancy_id for row in rows}):
        if not may_open_applications(current_user, vacancy_id):
            vacancy = db.session.get(Vacancy, vacancy_id)
            assert vacancy is not None  # the application's foreign key holds it
            refuse_outside_team(vacancy)
    audited = [
        audit_admin_access(
            row.vacancy_id,
            application_id=row.id,
            subject_user_id=row.candidate_id,
            what=what,
            commit=False,
        )
        for row in rows
    ]
    if any(audited):
        db.session.commit()


def audit_admin_access(
    vacancy_id: int | None,
    *,
    application_id: int | None = None,
    subject_user_id: int | None = None,
    what: str = "application",
    commit: bool = True,
) -> bool:
    """Record an admin's access to applications of a team they are not on, once per request.

    The event is committed at once (before any lock or change is made), so it stands whatever
    the action then does. `vacancy_id` None is the board across every vacancy. Returns whether
    an event was recorded.
    """
    if current_user.role is not Role.ADMIN:
        return False
    if vacancy_id is not None and not admin_access_audited(current_user, vacancy_id):
        return False
    seen: set[tuple[int | None, int | None, str]] = g.setdefault("admin_access_audited", set())
    if (vacancy_id, application_id, what) in seen:
        return False
    seen.add((vacancy_id, application_id, what))
    audit.record(
        ADMIN_ACCESS_EVENT,
        current_user,
        subject_user_id=subject_user_id,
        application_id=application_id,
        vacancy_id=vacancy_id,
        detail=what,
    )
    log.info(
        "admin access to applications outside their teams",
        extra={
            "event": ADMIN_ACCESS_EVENT,
            "user_id": current_user.id,
            "application_id": application_id,
            "vacancy_id": vacancy_id,
            "access": what,
        },
    )
    if commit:
        db.session.commit()
    return True


def require_moderator(application: Application) -> None:
    """403 unless the current user leads this vacancy (a team recruiter, or an admin)."""
    if not is_moderator(current_user, application.vacancy_id):
        abort(403)
