"""The API's side of access: the same rules (`recruit.services.access`) and the same audit as
the staff pages, answered as problems instead of pages.

A token's owner is a recruiter or an admin. Any of them may read a vacancy; only an admin or one
of the vacancy's team recruiters may change it, and only the vacancy's hiring team and admins
may open its applications (their scores and exports too). A recruiter outside the team gets
403, naming who to ask, as the staff pages' "not on the hiring team" page does: vacancies are
listed to every recruiter, so there is no existence to hide. An admin outside the team is
audited, as on the pages (`admin_application_access`).
"""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from recruit.api import etags
from recruit.api.problems import ProblemError
from recruit.extensions import db, open_write_transaction
from recruit.models import Application, ApplicationStatus, Role, User, Vacancy
from recruit.services import audit, teams
from recruit.services.access import (
    admin_access_audited,
    may_manage_vacancy,
    may_open_applications,
    may_open_vacancy,
)
from recruit.web.authz import log_not_on_team

# The event the staff pages record for an admin outside a vacancy's team (recruit.admin.access).
ADMIN_ACCESS_EVENT = "admin_application_access"


def audit_admin(
    viewer: User, vacancy_id: int | None, what: str, application: Application | None = None
) -> None:
    """Record an admin's access outside their teams (`vacancy_id` None: across every vacancy),
    as the staff pages do; the caller commits."""
    if viewer.role is not Role.ADMIN:
        return
    if vacancy_id is not None and not admin_access_audited(viewer, vacancy_id):
        return
    audit.record(
        ADMIN_ACCESS_EVENT,
        viewer,
        subject_user_id=application.candidate_id if application is not None else None,
        application_id=application.id if application is not None else None,
        vacancy_id=vacancy_id,
        detail=f"api: {what}",
    )


def readable_vacancy(viewer: User, vacancy_id: int) -> Vacancy:
    """A vacancy the token's owner may read (any recruiter or admin: drafts too), else 404."""
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is None or not may_open_vacancy(viewer, vacancy.id):
        raise ProblemError(404, "No vacancy has this id.")
    return vacancy


def refuse_outside_team(vacancy: Vacancy, doing: str) -> NoReturn:
    """403 for a recruiter outside the vacancy's hiring team: what only the team may do, and who
    to ask (its recruiters, or an administrator), as the staff pages' 403 page says."""
    log_not_on_team(vacancy.id)
    ask = teams.contacts_for(vacancy.id)
    who = " or ".join([", ".join(ask), "an administrator"]) if ask else "an administrator"
    detail = (
        f"You are not on the hiring team for {vacancy.reference} ({vacancy.title}). Only its "
        f"hiring team and administrators may {doing}. To be added to the team, ask {who}."
    )
    db.session.rollback()
    raise ProblemError(403, detail, ask=ask or ["an administrator"])


def check_may_manage(viewer: User, vacancy_id: int, what: str) -> None:
    """403 (naming who to ask) unless the owner may change the vacancy; an admin outside the
    team is audited, and the event committed before anything is changed."""
    vacancy = readable_vacancy(viewer, vacancy_id)
    if not may_manage_vacancy(viewer, vacancy.id):
        refuse_outside_team(vacancy, "edit, publish, reopen or close it")
    audit_admin(viewer, vacancy.id, what)
    db.session.commit()


def check_team_vacancy(viewer: User, vacancy_id: int) -> Vacancy:
    """The vacancy, for work on its applications: 404 if unknown, 403 (naming who to ask)
    outside its hiring team, as the staff pages' `get_team_vacancy`."""
    vacancy = readable_vacancy(viewer, vacancy_id)
    if not may_open_applications(viewer, vacancy.id):
        refuse_outside_team(vacancy, "open its applications, score them or export them")
    return vacancy


def application_not_found(viewer: User, application_id: int) -> NoReturn:
    """Why an application is not in the viewer's scope: 403 (naming who to ask) if it is a
    submitted application of a vacancy whose team they are not on, else 404 (drafts are the
    candidate's own, and answer as an unknown id, as on the pages)."""
    vacancy_id = db.session.scalar(
        select(Application.vacancy_id).where(
            Application.id == application_id, Application.status != ApplicationStatus.DRAFT
        )
    )
    if vacancy_id is not None:
        check_team_vacancy(viewer, vacancy_id)
    db.session.rollback()
    raise ProblemError(404, "No application of yours has this id.")


def find_application(
    viewer: User, stmt: Select[Application], application_id: int, *, lock: bool = False
) -> Application:
    """The application `stmt` selects in the viewer's scope, else 403 (naming who to ask) or 404;
    `lock`: read afresh with its row locked until the transaction ends."""
    if lock:
        open_write_transaction()
        stmt = stmt.with_for_update(of=Application).execution_options(populate_existing=True)
    found = db.session.scalar(stmt)
    if found is None:
        application_not_found(viewer, application_id)
    return found


def application_to_change(
    viewer: User, stmt: Select[Application], application_id: int, what: str, *, if_match: bool
) -> Application:
    """The application, for a change: an admin outside the team audited (and the event committed)
    before anything is changed, `If-Match` required if `if_match` (428), then read again with its
    row locked, for the caller to compare the ETag with and change."""
    found = find_application(viewer, stmt, application_id)
    audit_admin(viewer, found.vacancy_id, what, found)
    db.session.commit()
    if if_match:
        etags.require_if_match()
    return find_application(viewer, stmt, application_id, lock=True)


def lock_vacancy(vacancy_id: int) -> Vacancy:
    """The vacancy, freshly read with its row locked until the transaction ends (404 if gone).

    On SQLite, where FOR UPDATE is ignored, the write transaction is opened first instead, which
    serialises writers just the same.
    """
    open_write_transaction()
    vacancy = db.session.scalar(
        select(Vacancy)
        .where(Vacancy.id == vacancy_id)
        .options(*vacancy_loads())
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if vacancy is None:
        db.session.rollback()
        raise ProblemError(404, "No vacancy has this id.")
    return vacancy


def vacancy_loads() -> tuple[Any, ...]:
    """What a vacancy's representation reads, loaded fresh with it."""
    return (
        selectinload(Vacancy.criteria),
        selectinload(Vacancy.theme_tags),
        selectinload(Vacancy.sector_tags),
    )
