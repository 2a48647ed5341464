"""Job alerts: saving a candidate's search, the signed unsubscribe link, and the daily email.

Every function works in the caller's transaction and never commits. The daily run is one
`send_new_vacancies(alert_id, now)` per alert, each committed by the task on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, exists, select, update

from recruit.extensions import db
from recruit.formatting import uk_datetime
from recruit.models import JobAlert, JobAlertVacancy, User, Vacancy
from recruit.notifications import catalog
from recruit.services.vacancy_search import VacancyQuery, open_vacancies
from recruit.taxonomy import SECTORS, THEMES, sector_name, theme_name
from recruit.urls import external_url

MAX_ALERTS: Final = 20
# Vacancies listed in one email; the rest are counted, with a link to the search.
MAX_LISTED: Final = 25
# A vacancy published just before a run but committed after it is still found next time: each
# run looks back this far past its last one (the sent list stops any repeat).
OVERLAP: Final = timedelta(hours=1)
_SALT: Final = "recruit.job-alert.unsubscribe"


class AlertError(ValueError):
    """The search cannot be saved as an alert; the message says why."""


@dataclass(frozen=True)
class Saved:
    """The alert for a search, and whether it is new (an identical one may exist)."""

    alert: JobAlert
    created: bool


def query_of(alert: JobAlert) -> VacancyQuery:
    """The vacancy search an alert stands for."""
    return VacancyQuery(text=alert.keywords, theme=alert.theme, sector=alert.sector)


def describe(alert: JobAlert) -> str:
    """The alert's search in words, as the pages and emails show it."""
    parts = []
    if alert.theme:
        parts.append(f"theme {theme_name(alert.theme)}")
    if alert.sector:
        parts.append(f"sector {sector_name(alert.sector)}")
    if alert.keywords:
        parts.append(f"keywords “{alert.keywords}”")
    return ", ".join(parts) or "all vacancies"


def save(user: User, query: VacancyQuery) -> Saved:
    """Save `query` as an alert of `user`; the same search twice keeps the first."""
    # Control characters (a NUL, a line break) become spaces; the words are kept as typed.
    printable = "".join(c if c.isprintable() else " " for c in query.text)
    keywords = " ".join(printable.split())[:200]
    if query.theme and query.theme not in THEMES:
        raise AlertError("Select a theme from the list")
    if query.sector and query.sector not in SECTORS:
        raise AlertError("Select a sector or cluster from the list")
    if not (query.theme or query.sector or keywords):
        raise AlertError("Choose a theme, a sector or keywords before saving a job alert")
    mine = for_user(user.id)
    for alert in mine:
        if (alert.theme, alert.sector, alert.keywords) == (query.theme, query.sector, keywords):
            return Saved(alert, created=False)
    if len(mine) >= MAX_ALERTS:
        raise AlertError(f"You can have up to {MAX_ALERTS} job alerts. Delete one to add another")
    alert = JobAlert(user_id=user.id, theme=query.theme, sector=query.sector, keywords=keywords)
    db.session.add(alert)
    db.session.flush()
    return Saved(alert, created=True)


def for_user(user_id: int) -> list[JobAlert]:
    """A person's alerts, oldest first."""
    return list(
        db.session.scalars(
            select(JobAlert).where(JobAlert.user_id == user_id).order_by(JobAlert.id)
        )
    )


def owned(alert_id: int, user_id: int) -> JobAlert | None:
    """The alert if it belongs to `user_id`; None for anybody else's or none at all."""
    alert = db.session.get(JobAlert, alert_id)
    return alert if alert is not None and alert.user_id == user_id else None


def delete(alert: JobAlert) -> None:
    """Delete an alert and its record of vacancies sent."""
    db.session.delete(alert)


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=_SALT)


def unsubscribe_token(alert: JobAlert) -> str:
    """A signed token that can only turn off this one alert (and nothing else, ever)."""
    return str(_signer().dumps([alert.id, alert.unsubscribe_key]))


def alert_for_token(token: str) -> tuple[bool, JobAlert | None]:
    """(the token is genuine, its alert if it still exists)."""
    try:
        alert_id, key = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return False, None
    if not isinstance(alert_id, int) or isinstance(alert_id, bool) or not isinstance(key, str):
        return False, None
    alert = db.session.get(JobAlert, alert_id)
    if alert is None or alert.unsubscribe_key != key:
        return True, None
    return True, alert


def due_alert_ids() -> list[int]:
    """Every alert whose owner can still receive email, in id order."""
    return list(
        db.session.scalars(
            select(JobAlert.id)
            .join(User, User.id == JobAlert.user_id)
            .where(User.is_disabled.is_(False), User.email_verified_at.is_not(None))
            .order_by(JobAlert.id)
        )
    )


def send_new_vacancies(alert_id: int, now: datetime) -> int:
    """Email the alert's owner the open vacancies new to it since its last run; return how many.

    A conditional UPDATE moves the alert's mark on and decides which of two overlapping runs
    owns it; vacancies already sent to the alert are never sent again, and nothing at all is
    sent when nothing is new.
    """
    # The owner comes with the alert: whom the email goes to costs no second query.
    row = db.session.execute(
        select(JobAlert, User)
        .join(User, User.id == JobAlert.user_id)
        .where(JobAlert.id == alert_id)
    ).first()
    if row is None or row[0].checked_until >= now:
        return 0
    alert, owner = row
    claimed = db.session.execute(
        update(JobAlert)
        .where(JobAlert.id == alert.id, JobAlert.checked_until == alert.checked_until)
        .values(checked_until=now)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return 0
    since = max(alert.checked_until - OVERLAP, alert.created_at)
    found = list(db.session.scalars(_new_for(alert, since, now)))
    if not found:
        return 0
    for vacancy in found:
        db.session.add(JobAlertVacancy(alert_id=alert.id, vacancy_id=vacancy.id, sent_at=now))
    db.session.execute(
        update(JobAlert)
        .where(JobAlert.id == alert.id)
        .values(last_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    _queue_email(alert, owner, found)
    return len(found)


def _new_for(alert: JobAlert, since: datetime, now: datetime) -> Select[Vacancy]:
    """Open vacancies matching the alert, published in (since, now], not sent to it before."""
    sent = exists().where(
        JobAlertVacancy.alert_id == alert.id, JobAlertVacancy.vacancy_id == Vacancy.id
    )
    return (
        open_vacancies(query_of(alert))
        .where(Vacancy.published_at > since, Vacancy.published_at <= now, ~sent)
        .order_by(None)
        .order_by(Vacancy.published_at.desc(), Vacancy.id.desc())
    )


def _queue_email(alert: JobAlert, owner: User, found: list[Vacancy]) -> None:
    listed = [
        {
            "title": v.title,
            "url": external_url("portal.vacancy", reference=v.reference),
            "location": v.location,
            "salary": v.salary_band,
            "closes": uk_datetime(v.closes_at),
        }
        for v in found[:MAX_LISTED]
    ]
    query = query_of(alert)
    search = {"q": query.text, "theme": query.theme, "sector": query.sector, "sort": "newest"}
    catalog.job_alert(
        owner,
        search=describe(alert),
        vacancies=listed,
        total=len(found),
        search_url=external_url("portal.vacancies", **{k: v for k, v in search.items() if v}),
        unsubscribe_url=external_url("portal.alert_unsubscribe", token=unsubscribe_token(alert)),
        alerts_url=external_url("portal.alerts_page"),
    )
