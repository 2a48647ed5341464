"""The request's side of access: load what the current user may open, or answer 404 or 403.

The rules themselves are `recruit.services.access`'s: recruiters and admins may open any
vacancy; panel members only the vacancies they are assigned to, and only applications from the
sift stage on. Anything else answers 404.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Role, Vacancy
from recruit.services.access import SIFT_STATUSES, is_moderator, may_open_vacancy
from recruit.web.authz import roles_required

# Pages that assessors use: recruiters, admins and panel members.
assessor_required = roles_required(Role.RECRUITER, Role.ADMIN, Role.PANEL)


def is_panel() -> bool:
    """Whether the current user is a panel member (and so sees only their panels' sift)."""
    return bool(current_user.is_authenticated and current_user.role is Role.PANEL)


def get_vacancy_for_staff(vacancy_id: int) -> Vacancy:
    """The vacancy, or 404; a panel member gets 404 for a vacancy they are not assigned to."""
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is None:
        abort(404)
    if not may_open_vacancy(current_user, vacancy.id):
        abort(404)
    return vacancy


def get_application_for_staff(application_id: int, *, for_update: bool = False) -> Application:
    """A submitted (or later) application on a vacancy the user may open, or 404.

    Drafts are the candidate's private work, so they answer 404 like an unknown id; panel
    members get 404 until the application reaches the sift. `for_update` locks the row so two
    recruiters moving it at once cannot both succeed.
    """
    query = select(Application).where(
        Application.id == application_id, Application.status != ApplicationStatus.DRAFT
    )
    if is_panel():
        query = query.where(Application.status.in_(sorted(SIFT_STATUSES)))
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    application = db.session.scalar(query)
    if application is None:
        abort(404)
    get_vacancy_for_staff(application.vacancy_id)
    return application


def require_moderator(application: Application) -> None:
    """403 unless the current user leads this vacancy (runs it, or is an admin)."""
    if not is_moderator(current_user, application.vacancy_id):
        abort(403)
