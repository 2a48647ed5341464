"""Equality reports: per vacancy (or all), per stage, counts per category and advancement rates.

Counts come from the answers of applications still held (matched by pseudonym, computed here
and never stored) plus the anonymous tallies kept when applications were purged. Every table
goes through `recruit.monitoring.suppression` before anything is shown or written.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy import select

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    MonitoringResponse,
    MonitoringTally,
    StatusChange,
    Vacancy,
)
from recruit.monitoring.pseudonym import pseudonyms
from recruit.monitoring.questions import QUESTIONS, Question, label_for
from recruit.monitoring.stages import STAGES, stages_reached
from recruit.monitoring.suppression import THRESHOLD, Suppressed, suppress

BATCH: Final = 500
# question -> answer -> stage -> count
Counts = dict[str, dict[str, Counter[str]]]
AppRow = tuple[int, ApplicationStatus, bool, bool]


def empty_counts() -> Counts:
    """Counts with nothing in them yet."""
    return defaultdict(lambda: defaultdict(Counter))


@dataclass(frozen=True)
class ReportRow:
    """One category: what each stage shows, and the rate of moving on from each stage."""

    label: str
    cells: list[str]
    rates: list[str]


@dataclass(frozen=True)
class ReportTable:
    """One question's table, suppressed."""

    question: Question
    rows: list[ReportRow]
    totals: list[str]
    total_rates: list[str]


@dataclass
class Report:
    """A report for one vacancy, or for every vacancy when `vacancy` is None."""

    vacancy: Vacancy | None
    respondents: list[str] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)

    @property
    def title(self) -> str:
        """What the page and the CSV call this report."""
        if self.vacancy is None:
            return "All vacancies"
        return f"{self.vacancy.reference} {self.vacancy.title}"


def _application_batches(
    vacancy_id: int | None,
) -> Iterator[list[tuple[int, ApplicationStatus, bool, bool]]]:
    """Submitted (or later) applications, a batch at a time, as plain tuples."""
    query = (
        select(
            Application.id, Application.status, Application.on_longlist, Application.on_shortlist
        )
        .where(Application.status != ApplicationStatus.DRAFT)
        .order_by(Application.id)
    )
    if vacancy_id is not None:
        query = query.where(Application.vacancy_id == vacancy_id)
    batch: list[AppRow] = []
    for row in db.session.execute(query):
        batch.append((row[0], row[1], row[2], row[3]))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _histories(ids: list[int]) -> dict[int, list[ApplicationStatus]]:
    found: dict[int, list[ApplicationStatus]] = defaultdict(list)
    query = select(StatusChange.application_id, StatusChange.to_status).where(
        StatusChange.application_id.in_(ids)
    )
    for application_id, status in db.session.execute(query):
        found[application_id].append(status)
    return found


def _answers_by_application(ids: list[int]) -> dict[int, dict[str, str]]:
    """The answers of these applications, matched through their pseudonyms."""
    names = pseudonyms(ids)
    rows = db.session.execute(
        select(MonitoringResponse.pseudonym, MonitoringResponse.answers).where(
            MonitoringResponse.pseudonym.in_(list(names))
        )
    )
    return {names[pseudonym]: dict(answers or {}) for pseudonym, answers in rows}


def add_answers(counts: Counts, answers: dict[str, str], stages: Sequence[str], n: int = 1) -> None:
    """Count one answer set (n times) at each of `stages`."""
    for question in QUESTIONS:
        answer = answers.get(question.slug)
        if answer is None:
            continue
        for stage in stages:
            counts[question.slug][answer][stage] += n


def live_counts(vacancy_id: int | None) -> tuple[Counts, Counter[str]]:
    """Counts from the answers of applications still held, and respondents per stage."""
    counts = empty_counts()
    respondents: Counter[str] = Counter()
    for batch in _application_batches(vacancy_id):
        ids = [row[0] for row in batch]
        answers = _answers_by_application(ids)
        if not answers:
            continue
        history = _histories([i for i in ids if i in answers])
        for application_id, status, longlist, shortlist in batch:
            given = answers.get(application_id)
            if given is None:
                continue
            stages = stages_reached(status, history.get(application_id, []), longlist, shortlist)
            add_answers(counts, given, stages)
            respondents.update(stages)
    return counts, respondents


def tally_counts(counts: Counts, vacancy_id: int | None) -> Counter[str]:
    """Add the purged applications' tallies to `counts`; return their respondents per stage."""
    query = select(MonitoringTally)
    if vacancy_id is not None:
        query = query.where(MonitoringTally.vacancy_id == vacancy_id)
    per_question: dict[str, Counter[str]] = defaultdict(Counter)
    for tally in db.session.scalars(query):
        counts[tally.question][tally.answer][tally.stage] += tally.count
        per_question[tally.question][tally.stage] += tally.count
    # Every answer set answers every question, so any question's sum is the respondents.
    respondents: Counter[str] = Counter()
    for stage in STAGES:
        respondents[stage] = max((c[stage] for c in per_question.values()), default=0)
    return respondents


def _rate(table: Suppressed, r: int, c: int) -> str:
    """The share of row r at stage c that reached stage c + 1, if both are published."""
    before, after = table.shown(r, c), table.shown(r, c + 1)
    if before is None or after is None or before == 0:
        return "–"
    return f"{round(100 * after / before)}%"


def build_table(question: Question, answers: dict[str, Counter[str]]) -> ReportTable:
    """One question's table: its options (then any other stored answer), suppressed."""
    slugs = [slug for slug, _ in question.options]
    slugs += sorted(set(answers) - set(slugs))
    matrix = [[answers.get(slug, Counter())[stage] for stage in STAGES] for slug in slugs]
    table = suppress(matrix, row_totals=False, keep_column_totals=True)
    steps = range(len(STAGES) - 1)
    rows = [
        ReportRow(
            label_for(question.slug, slug),
            [table.text(r, c) for c in range(len(STAGES))],
            [_rate(table, r, c) for c in steps],
        )
        for r, slug in enumerate(slugs)
    ]
    last = len(slugs)
    return ReportTable(
        question,
        rows,
        [table.text(last, c) for c in range(len(STAGES))],
        [_rate(table, last, c) for c in steps],
    )


def build_report(vacancy: Vacancy | None) -> Report:
    """The suppressed report for `vacancy` (None: every vacancy)."""
    vacancy_id = vacancy.id if vacancy is not None else None
    counts, respondents = live_counts(vacancy_id)
    respondents.update(tally_counts(counts, vacancy_id))
    report = Report(vacancy)
    report.respondents = [
        str(respondents[s]) if respondents[s] >= THRESHOLD else f"fewer than {THRESHOLD}"
        for s in STAGES
    ]
    report.tables = [build_table(q, counts.get(q.slug, {})) for q in QUESTIONS]
    return report


def report_vacancies() -> list[Vacancy]:
    """Every vacancy that has taken applications, newest first, for the reports' index."""
    return list(
        db.session.scalars(
            select(Vacancy).where(Vacancy.published_at.is_not(None)).order_by(Vacancy.id.desc())
        )
    )


def csv_rows(reports: Iterable[Report], progress: Callable[[int], None]) -> Iterator[list[str]]:
    """The CSV's rows: a header, then one row per report, question, category and stage."""
    yield ["Report", "Question", "Category", "Stage", "Count", "Moved on to the next stage"]
    for done, report in enumerate(reports, start=1):
        for stage, shown in zip(STAGES, report.respondents, strict=True):
            yield [report.title, "Respondents", "All", stage, shown, ""]
        for table in report.tables:
            lines = [(row.label, row.cells, row.rates) for row in table.rows]
            lines.append(("All respondents", table.totals, table.total_rates))
            for label, cells, rates in lines:
                for i, stage in enumerate(STAGES):
                    rate = rates[i] if i < len(rates) else ""
                    yield [report.title, table.question.text, label, stage, cells[i], rate]
        progress(done)
