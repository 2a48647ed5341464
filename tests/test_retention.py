"""Retention and purge: expired applications go, with their files and exports; a receipt stays.

The purge runs against a stopped clock (`tests.support.retention.Clock`), on SQLite and on
PostgreSQL. What a person would check: the files are gone from disk, the rows are gone, held
vacancies and appointed candidates are kept, the dashboard's counts do not change, and the
receipt (and the admin page listing it) holds no personal data.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    Base,
    ExportJob,
    ExportStatus,
    OutcomeTally,
    PurgeReceipt,
    PurgeTrigger,
    Vacancy,
)
from recruit.privacy import purge, retention
from recruit.services.vacancies import application_counts
from testkit.factories import Factory
from tests.support.accounts import log_in
from tests.support.retention import (
    Clock,
    PurgeWorld,
    build_purge_world,
    rows_about,
    stored_file_count,
)
from tests.support.rows import all_rows, rows, stored

ZERO_ROWS = {
    "applications": 0,
    "criterion_evidence": 0,
    "status_changes": 0,
    "scores": 0,
    "agreed_scores": 0,
    "application_notes": 0,
    "identity_reveals": 0,
}
# What the world's purge removes from V: 4 applications (unsuccessful, withdrawn, draft and
# interview), 2 criteria each, history for the 3 submitted ones, two sets of sift rows.
EXPECTED_COUNTS = {
    "applications": 4,
    "evidence": 8,
    "status_changes": 3,
    "scores": 2,
    "agreed_scores": 2,
    "notes": 2,
    "identity_reveals": 2,
    "cv_files": 2,
    "exports": 1,
}
EXPECTED_OUTCOMES = {"draft": 1, "interview": 1, "unsuccessful": 1, "withdrawn": 1}


def run_at(app: Flask, now: datetime) -> list[PurgeReceipt]:
    """Run the purge as the scheduled job would at `now`; the receipts, detached."""
    with app.app_context():
        receipts = retention.run(PurgeTrigger.SCHEDULED, now=now)
        for receipt in receipts:
            db.session.refresh(receipt)
        db.session.expunge_all()
        return receipts


def counts_of(app: Flask, vacancy_id: int) -> dict[str, int]:
    with app.app_context():
        found = application_counts([vacancy_id])[vacancy_id]
        db.session.rollback()
        return {status.value: count for status, count in found.items()}


@pytest.fixture
def world(app: Flask, make: Factory) -> PurgeWorld:
    return build_purge_world(app, make, closed_ago=timedelta(days=2))


# The calendar.


@pytest.mark.parametrize(
    ("closed", "months", "due"),
    [
        # 5pm BST on 31 August, six months on: the last day of February, 5pm GMT.
        (datetime(2026, 8, 31, 16, 0), 6, datetime(2027, 2, 28, 17, 0)),
        (datetime(2027, 8, 31, 16, 0), 6, datetime(2028, 2, 29, 17, 0)),  # a leap year
        (datetime(2026, 1, 15, 17, 0), 12, datetime(2027, 1, 15, 17, 0)),
        (datetime(2026, 11, 30, 17, 0), 3, datetime(2027, 2, 28, 17, 0)),
        (datetime(2026, 3, 1, 12, 0), 120, datetime(2036, 3, 1, 12, 0)),
    ],
)
def test_the_period_counts_calendar_months_on_the_uk_clock(
    closed: datetime, months: int, due: datetime
) -> None:
    assert retention.add_months(closed.replace(tzinfo=UTC), months) == due.replace(tzinfo=UTC)


# The purge.


def test_nothing_goes_a_second_before_the_period_ends(app: Flask, world: PurgeWorld) -> None:
    before = all_rows(app)
    assert run_at(app, world.due_at - timedelta(seconds=1)) == []
    assert all_rows(app) == before
    assert all(path.exists() for path in world.purged_files + world.kept_files)


def test_expired_applications_go_with_their_rows_and_files(app: Flask, world: PurgeWorld) -> None:
    clock = Clock(world.due_at - timedelta(seconds=1))
    assert all(path.exists() for path in world.purged_files)
    receipts = run_at(app, clock.advance(seconds=1))
    assert [r.vacancy_id for r in receipts] == [world.vacancy_id]
    assert rows_about(app, world.purged_ids) == ZERO_ROWS
    assert [p for p in world.purged_files if p.exists()] == []
    # Kept: the appointed candidate (and their CV), the held and the longer-kept vacancies,
    # the open vacancy, and the open vacancy's export.
    kept = [world.appointed_id, world.held_application_id, world.open_application_id]
    assert rows_about(app, kept)["applications"] == 3
    assert rows_about(app, [world.appointed_id])["criterion_evidence"] == 2
    assert all(p.exists() for p in world.kept_files)
    assert stored_file_count(app) == 1
    longer = rows(app, Application, Application.vacancy_id == world.longer_vacancy_id)
    assert len(longer) == 1


def test_the_vacancys_exports_are_purged_and_others_kept(app: Flask, world: PurgeWorld) -> None:
    run_at(app, world.due_at)
    purged = stored(app, ExportJob, world.export_id)
    assert purged.status is ExportStatus.EXPIRED and purged.storage_key is None
    other = stored(app, ExportJob, world.other_export_id)
    assert other.status is ExportStatus.READY and other.storage_key is not None
    assert not world.purged_files[-1].exists() and world.kept_files[-1].exists()


def test_the_receipt_counts_what_went_and_holds_no_personal_data(
    app: Flask, world: PurgeWorld
) -> None:
    [receipt] = run_at(app, world.due_at)
    assert receipt.counts == EXPECTED_COUNTS
    assert receipt.outcomes == EXPECTED_OUTCOMES
    assert receipt.vacancy_reference == world.reference
    assert receipt.reason.startswith("Retention period of 6 months after closing ended on ")
    assert receipt.trigger is PurgeTrigger.SCHEDULED
    with app.app_context():
        stored_receipts = db.session.execute(select(PurgeReceipt.__table__)).all()
    text = json.dumps([list(map(str, row)) for row in stored_receipts])
    assert world.markers and [m for m in world.markers if m in text] == []


def test_the_admin_page_lists_receipts_without_personal_data(
    app: Flask, client: FlaskClient, make: Factory, world: PurgeWorld
) -> None:
    run_at(app, world.due_at)
    log_in(client, make.admin())
    page = client.get("/admin/retention").get_data(as_text=True)
    assert world.reference in page and "Applications: 4" in page and "CV files: 2" in page
    assert "Retention period of 6 months after closing ended on" in page
    assert [m for m in world.markers if m in page] == []


def test_counts_on_the_dashboard_stay_right_after_a_purge(
    app: Flask, client: FlaskClient, make: Factory, world: PurgeWorld
) -> None:
    log_in(client, make.admin())
    before = counts_of(app, world.vacancy_id)
    assert before == {"unsuccessful": 1, "withdrawn": 1, "interview": 1, "appointed": 1}
    assert "4 in total" in client.get("/admin/").get_data(as_text=True)
    run_at(app, world.due_at)
    assert counts_of(app, world.vacancy_id) == before
    assert "4 in total" in client.get("/admin/").get_data(as_text=True)
    page = client.get(f"/admin/vacancies/{world.vacancy_id}").get_data(as_text=True)
    assert "Unsuccessful: 1" in page and "Withdrawn: 1" in page
    tallies = rows(app, OutcomeTally, OutcomeTally.vacancy_id == world.vacancy_id)
    assert {t.status.value: t.count for t in tallies} == EXPECTED_OUTCOMES


def test_a_second_run_purges_nothing_more(app: Flask, world: PurgeWorld) -> None:
    assert len(run_at(app, world.due_at)) == 1
    after = all_rows(app)
    assert run_at(app, world.due_at + timedelta(days=30)) == []
    assert all_rows(app) == after
    with app.app_context():
        assert retention.purge_vacancy(world.vacancy_id, world.due_at, PurgeTrigger.COMMAND) is None
        db.session.rollback()
    assert len(rows(app, PurgeReceipt)) == 1


def test_a_hold_placed_after_planning_stops_the_purge(app: Flask, world: PurgeWorld) -> None:
    with app.app_context():
        assert [p.vacancy_id for p in retention.plan(world.due_at)] == [world.vacancy_id]
        db.session.execute(
            update(Vacancy).where(Vacancy.id == world.vacancy_id).values(legal_hold=True)
        )
        db.session.commit()
        # The purge checks again under its lock, whatever the caller planned.
        assert retention.purge_vacancy(world.vacancy_id, world.due_at, PurgeTrigger.COMMAND) is None
        db.session.rollback()
    assert rows_about(app, world.purged_ids)["applications"] == 4
    assert run_at(app, world.due_at) == []


def test_a_vacancy_with_an_export_being_built_waits(app: Flask, world: PurgeWorld) -> None:
    with app.app_context():
        db.session.execute(
            update(ExportJob)
            .where(ExportJob.id == world.export_id)
            .values(status=ExportStatus.BUILDING)
        )
        db.session.commit()
        [planned] = retention.plan(world.due_at)
        assert planned.deferred
        db.session.rollback()
    assert run_at(app, world.due_at) == []
    assert rows_about(app, world.purged_ids)["applications"] == 4
    with app.app_context():
        db.session.execute(
            update(ExportJob).where(ExportJob.id == world.export_id).values(status="ready")
        )
        db.session.commit()
    assert len(run_at(app, world.due_at)) == 1


def test_the_plan_counts_without_changing_anything(app: Flask, world: PurgeWorld) -> None:
    before = all_rows(app)
    with app.app_context():
        [planned] = retention.plan(world.due_at)
        db.session.rollback()
    assert planned.vacancy_id == world.vacancy_id and planned.applications == 4
    assert planned.outcomes == EXPECTED_OUTCOMES
    assert (planned.cv_files, planned.exports, planned.deferred) == (2, 1, False)
    assert all_rows(app) == before


# The command line, against the real clock: the vacancy closed more than six months ago.


def test_cli_plan_changes_nothing_and_run_purges(app: Flask, make: Factory) -> None:
    world = build_purge_world(app, make, closed_ago=timedelta(days=200))
    runner = app.test_cli_runner()
    before = all_rows(app)
    planned = runner.invoke(args=["retention", "plan"])
    assert planned.exit_code == 0, planned.output
    assert world.reference in planned.output
    assert "applications: 4 (draft 1, interview 1, unsuccessful 1, withdrawn 1)" in planned.output
    assert all_rows(app) == before
    assert all(p.exists() for p in world.purged_files)
    done = runner.invoke(args=["retention", "run"])
    assert done.exit_code == 0, done.output
    assert f"Receipt 1: {world.reference}" in done.output
    assert "Applications 4, Evidence answers 8" in done.output and "(command)" in done.output
    assert [m for m in world.markers if m in planned.output + done.output] == []
    assert rows_about(app, world.purged_ids) == ZERO_ROWS
    assert [p for p in world.purged_files if p.exists()] == []
    again = runner.invoke(args=["retention", "run"])
    assert "Nothing purged" in again.output


def test_two_runs_at_once_purge_each_application_once(app: Flask, world: PurgeWorld) -> None:
    """The second run waits on the first one's lock, then finds nothing left to purge."""
    first_purged, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def purge(name: str, hold_open: bool) -> None:
        with app.app_context():
            try:
                purged = retention.purge_vacancy(
                    world.vacancy_id, world.due_at, PurgeTrigger.SCHEDULED
                )
                if hold_open:
                    first_purged.set()
                    release.wait(timeout=30)
                db.session.commit()
                outcomes[name] = purged is not None
            finally:
                db.session.remove()

    first = threading.Thread(target=purge, args=("first", True))
    first.start()
    assert first_purged.wait(timeout=30)
    second = threading.Thread(target=purge, args=("second", False))
    second.start()
    second.join(timeout=0.5)
    still_waiting = second.is_alive()  # blocked on the first run's lock, as it must be
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert still_waiting
    assert outcomes == {"first": True, "second": False}
    assert len(rows(app, PurgeReceipt)) == 1
    tallies = rows(app, OutcomeTally, OutcomeTally.vacancy_id == world.vacancy_id)
    assert {t.status.value: t.count for t in tallies} == EXPECTED_OUTCOMES


def test_a_later_purge_of_the_same_vacancy_adds_to_its_counts(
    app: Flask, world: PurgeWorld
) -> None:
    run_at(app, world.due_at)
    # The appointment falls through after the first purge: the next run purges it too.
    with app.app_context():
        db.session.execute(
            update(Application)
            .where(Application.id == world.appointed_id)
            .values(status=ApplicationStatus.UNSUCCESSFUL)
        )
        db.session.commit()
    [receipt] = run_at(app, world.due_at + timedelta(hours=1))
    assert receipt.outcomes == {"unsuccessful": 1}
    assert [p for p in world.kept_files[:1] if p.exists()] == []
    tallies = rows(app, OutcomeTally, OutcomeTally.vacancy_id == world.vacancy_id)
    assert {t.status.value: t.count for t in tallies} == {**EXPECTED_OUTCOMES, "unsuccessful": 2}
    assert counts_of(app, world.vacancy_id) == {"unsuccessful": 2, "withdrawn": 1, "interview": 1}


def test_every_table_that_refers_to_an_application_is_purged_with_it(
    app: Flask, world: PurgeWorld
) -> None:
    """A new table pointing at applications must cascade, or a purge would leave its rows."""
    refs = [
        (table, fk)
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "applications"
    ]
    assert len(refs) >= 6
    assert [f"{t.name}.{fk.parent.name}" for t, fk in refs if fk.ondelete != "CASCADE"] == []
    run_at(app, world.due_at)
    with app.app_context():
        left = {
            f"{table.name}.{fk.parent.name}": db.session.scalar(
                select(func.count()).select_from(table).where(fk.parent.in_(world.purged_ids))
            )
            for table, fk in refs
        }
        db.session.rollback()
    assert {name: count for name, count in left.items() if count} == {}


def test_a_large_purge_goes_in_rounds_with_the_same_receipt(
    app: Flask, world: PurgeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rounds of one application each (instead of 500) remove and count exactly as one round."""
    monkeypatch.setattr(purge, "CHUNK", 1)
    [receipt] = run_at(app, world.due_at)
    assert receipt.counts == EXPECTED_COUNTS and receipt.outcomes == EXPECTED_OUTCOMES
    assert rows_about(app, world.purged_ids) == ZERO_ROWS
    assert [p for p in world.purged_files if p.exists()] == []
