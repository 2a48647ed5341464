"""The retention schedule: which applications have expired, what a purge would remove, and doing it.

The rule: once a vacancy has been closed for its retention period (`Vacancy.retention_months`,
6 by default), every application on it except the appointed candidates' is deleted, drafts
included, unless the vacancy is on legal hold. The period counts calendar months on the UK
clock from the moment applications closed: closed at 5pm on 31 August, six months on is 5pm on
28 February (or the 29th in a leap year). Appointed candidates' applications are never purged
by this job.

`plan` changes nothing. `run` is the unit of work for the scheduled task and the CLI: it owns
its transactions, one per vacancy, so one vacancy's failure never undoes another's purge.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import SQLAlchemyError

from recruit.extensions import db, open_write_transaction
from recruit.formatting import UK, uk_date
from recruit.models import (
    Application,
    ApplicationStatus,
    ExportJob,
    ExportStatus,
    PurgeReceipt,
    PurgeTrigger,
    Vacancy,
    VacancyStatus,
    db_now,
)
from recruit.privacy.purge import building_exports, delete_files, purge_applications

log = logging.getLogger(__name__)

# Appointed candidates' applications become employment records: this job never deletes them.
KEPT_STATUSES: Final = frozenset({ApplicationStatus.APPOINTED})


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus calendar months on the UK clock; a day the month lacks becomes its last."""
    local = moment.astimezone(UK)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)


def purge_due_at(vacancy: Vacancy) -> datetime | None:
    """When the vacancy's applications expire; None until it is closed."""
    if vacancy.status is not VacancyStatus.CLOSED:
        return None
    return add_months(vacancy.applications_closed_at, vacancy.retention_months)


def purge_reason(vacancy: Vacancy) -> str:
    """Why the purge happened, in words for the receipt."""
    months = vacancy.retention_months
    unit = "month" if months == 1 else "months"
    return (
        f"Retention period of {months} {unit} after closing ended on "
        f"{uk_date(purge_due_at(vacancy))}"
    )


def database_now() -> datetime:
    """The database server's clock: the one the web and every worker agree on."""
    return db.session.execute(select(db_now())).scalar_one()


def purgeable(vacancy_ids: Sequence[int]) -> Select[Application]:
    """The applications of these vacancies that a purge deletes."""
    return select(Application).where(
        Application.vacancy_id.in_(vacancy_ids), Application.status.not_in(KEPT_STATUSES)
    )


def is_expired(vacancy: Vacancy, now: datetime) -> bool:
    """Closed for longer than its retention period, and not on legal hold."""
    due = purge_due_at(vacancy)
    return not vacancy.legal_hold and due is not None and due <= now


def due_vacancies(now: datetime) -> list[Vacancy]:
    """Vacancies whose retention period has ended and that still hold purgeable applications."""
    waiting = select(Application.id).where(
        Application.vacancy_id == Vacancy.id, Application.status.not_in(KEPT_STATUSES)
    )
    candidates = db.session.scalars(
        select(Vacancy)
        .where(Vacancy.status == VacancyStatus.CLOSED, Vacancy.legal_hold.is_(False))
        .where(exists(waiting))
        .order_by(Vacancy.id)
    )
    return [v for v in candidates if is_expired(v, now)]


@dataclass(frozen=True)
class VacancyPlan:
    """What the next purge would remove from one vacancy: counts only, nobody's data."""

    vacancy_id: int
    reference: str
    title: str
    due_at: datetime
    outcomes: dict[str, int]
    cv_files: int
    exports: int
    # An export is being built from this vacancy now: the purge waits for the next run.
    deferred: bool

    @property
    def applications(self) -> int:
        """How many applications would go."""
        return sum(self.outcomes.values())


def plan(now: datetime | None = None) -> list[VacancyPlan]:
    """What `run` would remove at `now` (the database clock if None); changes nothing."""
    moment = now or database_now()
    plans = []
    for vacancy in due_vacancies(moment):
        due = purge_due_at(vacancy)
        assert due is not None  # due_vacancies holds closed vacancies only
        query = purgeable([vacancy.id]).subquery()
        outcomes = db.session.execute(
            select(query.c.status, func.count()).group_by(query.c.status)
        ).all()
        cv_files = select(func.count()).select_from(query).where(query.c.cv_file_id.is_not(None))
        exports = select(func.count(ExportJob.id)).where(
            ExportJob.vacancy_id == vacancy.id, ExportJob.status == ExportStatus.READY
        )
        plans.append(
            VacancyPlan(
                vacancy_id=vacancy.id,
                reference=vacancy.reference,
                title=vacancy.title,
                due_at=due,
                outcomes={ApplicationStatus(s).value: int(n) for s, n in sorted(outcomes)},
                cv_files=int(db.session.scalar(cv_files) or 0),
                exports=int(db.session.scalar(exports) or 0),
                deferred=building_exports([vacancy.id]) > 0,
            )
        )
    return plans


@dataclass
class Purged:
    """One vacancy's purge: its receipt, and the files to delete once it is committed."""

    receipt: PurgeReceipt
    files: list[Path] = field(default_factory=list)


def purge_vacancy(vacancy_id: int, now: datetime, trigger: PurgeTrigger) -> Purged | None:
    """Purge one vacancy's expired applications in the caller's transaction; None if nothing to do.

    The vacancy and its applications are locked first, and every rule checked again under the
    lock, so two runs at once purge each application once and a candidate appointed meanwhile
    is kept. SQLite has no row locks: its write lock, taken first, serialises the runs instead.
    """
    open_write_transaction()
    vacancy = db.session.scalar(
        select(Vacancy)
        .where(Vacancy.id == vacancy_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if vacancy is None or not is_expired(vacancy, now):
        return None
    if building_exports([vacancy.id]):
        # Its file could hold the applications we delete; the next hourly run purges both.
        log.info("retention: vacancy %s waits for an export being built", vacancy.id)
        return None
    applications = db.session.scalars(
        purgeable([vacancy.id])
        .order_by(Application.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if not applications:
        return None
    reason = purge_reason(vacancy)
    result = purge_applications(applications, reason)
    receipt = PurgeReceipt(
        vacancy_id=vacancy.id,
        vacancy_reference=vacancy.reference,
        vacancy_title=vacancy.title,
        counts=result.counts,
        outcomes=result.outcomes,
        reason=reason,
        trigger=trigger,
        run_at=now,
    )
    db.session.add(receipt)
    return Purged(receipt, result.files)


def run(trigger: PurgeTrigger, now: datetime | None = None) -> list[PurgeReceipt]:
    """Purge every expired vacancy, committing each on its own; return the receipts written.

    Files go from disk only after their vacancy's commit. A vacancy that fails (a lock wait
    that timed out, say) is rolled back, logged and left for the next run.
    """
    moment = now or database_now()
    due = [v.id for v in due_vacancies(moment)]
    db.session.rollback()  # end the read: each vacancy gets a transaction of its own
    receipts = []
    for vacancy_id in due:
        try:
            purged = purge_vacancy(vacancy_id, moment, trigger)
            db.session.commit()
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("retention: vacancy %s failed; the next run tries again", vacancy_id)
            continue
        if purged is not None:
            delete_files(purged.files)
            receipts.append(purged.receipt)
            log.info(
                "retention: receipt %s: vacancy %s, %s applications",
                purged.receipt.id,
                vacancy_id,
                purged.receipt.counts.get("applications", 0),
            )
    return receipts
