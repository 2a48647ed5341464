"""What happens to monitoring answers when the applications they describe are purged."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import delete, select

from recruit.extensions import db
from recruit.models import Application, MonitoringResponse, MonitoringTally
from recruit.monitoring.pseudonym import pseudonyms
from recruit.monitoring.stages import application_stages


def fold_into_tallies(applications: Sequence[Application]) -> None:
    """Before `applications` are deleted, fold their monitoring answers into anonymous tallies.

    Each answer is added to its vacancy's tally at every stage the application reached; then
    the answer rows are deleted, all in the caller's transaction.
    """
    if not applications:
        return
    names = pseudonyms([a.id for a in applications])
    found = db.session.scalars(
        select(MonitoringResponse).where(MonitoringResponse.pseudonym.in_(list(names)))
    ).all()
    by_id = {names[r.pseudonym]: r for r in found}
    added: Counter[tuple[int, str, str, str]] = Counter()
    for application in applications:
        response = by_id.get(application.id)
        if response is None:
            continue
        for stage in application_stages(application):
            for question, answer in (response.answers or {}).items():
                added[(application.vacancy_id, stage, question, answer)] += 1
    for key, count in added.items():
        _add(key, count)
    if found:
        db.session.execute(
            delete(MonitoringResponse).where(MonitoringResponse.id.in_([r.id for r in found]))
        )


def _add(key: tuple[int, str, str, str], count: int) -> None:
    """Add `count` to one tally, creating it at zero first."""
    vacancy_id, stage, question, answer = key
    tally = db.session.scalar(
        select(MonitoringTally).where(
            MonitoringTally.vacancy_id == vacancy_id,
            MonitoringTally.stage == stage,
            MonitoringTally.question == question,
            MonitoringTally.answer == answer,
        )
    )
    if tally is None:
        tally = MonitoringTally(
            vacancy_id=vacancy_id, stage=stage, question=question, answer=answer, count=0
        )
        db.session.add(tally)
    tally.count += count
