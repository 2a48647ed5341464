"""Monitoring in tests: a full answer set, answers stored as the form stores them, report pages."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Flask
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, MonitoringResponse
from recruit.monitoring.pseudonym import pseudonym
from recruit.monitoring.questions import QUESTIONS
from testkit.factories import Factory

S = ApplicationStatus


def full_answers(**overrides: str) -> dict[str, str]:
    """An answer to every question: the first option of each, unless overridden."""
    answers = {q.slug: q.options[0][0] for q in QUESTIONS}
    answers.update(overrides)
    return answers


def store_answers(app: Flask, application_id: int, answers: dict[str, Any]) -> None:
    """Insert an answer set for the application directly (as the form would, unvalidated)."""
    with app.app_context():
        db.session.add(MonitoringResponse(pseudonym=pseudonym(application_id), answers=answers))
        db.session.commit()


def seed_vacancy(app: Flask, make: Factory, title: str = "Director of Trade") -> SimpleNamespace:
    """16 answer sets on one vacancy (8 female, 6 male, 2 preferring not to say), 3 without."""
    vacancy = make.vacancy(title=title)
    plan = (
        [("female", S.SUBMITTED, False)] * 2
        + [("female", S.INTERVIEW, True)] * 6
        + [("male", S.SUBMITTED, False)]
        + [("male", S.SHORTLISTED, True)] * 5
        + [("prefer-not-to-say", S.SUBMITTED, False)] * 2
    )
    ids, longlisted = [], []
    for sex, status, longlist in plan:
        application = make.application(make.candidate().id, vacancy.id, status)
        store_answers(app, application.id, full_answers(sex=sex))
        ids.append(application.id)
        if longlist:
            longlisted.append(application.id)
    for _ in range(3):  # no answers: not counted
        make.application(make.candidate().id, vacancy.id, S.SHORTLISTED)
    with app.app_context():
        chosen = select(Application).where(Application.id.in_(longlisted))
        for application in db.session.scalars(chosen):
            application.on_longlist = True
        db.session.commit()
    return SimpleNamespace(vacancy=vacancy, ids=ids)
