"""Which vacancies and applications a member of staff may open: the one place to narrow later."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, Vacancy


def get_vacancy_for_staff(vacancy_id: int) -> Vacancy:
    """The vacancy, or 404. Any recruiter may open any vacancy until panel roles arrive."""
    vacancy = db.session.get(Vacancy, vacancy_id)
    if vacancy is None:
        abort(404)
    return vacancy


def get_application_for_staff(application_id: int, *, for_update: bool = False) -> Application:
    """A submitted (or later) application on a vacancy the user may open, or 404.

    Drafts are the candidate's private work, so they answer 404 like an unknown id.
    `for_update` locks the row so two recruiters moving it at once cannot both succeed.
    """
    query = select(Application).where(
        Application.id == application_id, Application.status != ApplicationStatus.DRAFT
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    application = db.session.scalar(query)
    if application is None:
        abort(404)
    get_vacancy_for_staff(application.vacancy_id)
    return application
