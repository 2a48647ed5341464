"""Equality reports: counts per stage and category, suppression on the page, who may see them,
tallies that outlive purged applications, and the rule that keeps the answers apart."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from recruit.exports.jobs import export_dir
from recruit.extensions import db
from recruit.models import (
    Application,
    ApplicationStatus,
    Base,
    ExportStatus,
    MonitoringReportJob,
    MonitoringResponse,
    MonitoringTally,
    Role,
    Vacancy,
    utcnow,
)
from recruit.monitoring import reports
from recruit.monitoring.retention import fold_into_tallies
from recruit.monitoring.stages import stages_reached
from recruit.notifications.mail import build_message
from testkit.factories import Factory
from testkit.forms import submit
from tests.support.accounts import log_in
from tests.support.monitoring import seed_vacancy
from tests.support.rows import outbox, rows, user_row

ROOT = Path(__file__).resolve().parents[1]
S = ApplicationStatus


def test_a_stage_counts_if_it_was_ever_reached_and_implies_the_ones_before() -> None:
    assert stages_reached(S.DRAFT, [], False, False) == []
    assert stages_reached(S.SUBMITTED, [S.SUBMITTED], False, False) == ["applied"]
    assert stages_reached(S.UNDER_REVIEW, [S.SUBMITTED], True, False) == [
        "applied",
        "longlisted",
    ]
    # Interviewed, then turned down: still counted as interviewed, and so as shortlisted.
    history = [S.SUBMITTED, S.UNDER_REVIEW, S.SHORTLISTED, S.INTERVIEW, S.UNSUCCESSFUL]
    assert stages_reached(S.UNSUCCESSFUL, history, False, False) == [
        "applied",
        "longlisted",
        "shortlisted",
        "interviewed",
    ]
    assert stages_reached(S.APPOINTED, [S.APPOINTED], False, False)[-1] == "offered"
    assert stages_reached(S.SUBMITTED, [], False, True)[-1] == "shortlisted"


def sex_table(app: Flask, vacancy_id: int) -> dict[str, list[str]]:
    with app.app_context():
        report = reports.build_report(db.session.get(Vacancy, vacancy_id))
        table = next(t for t in report.tables if t.question.slug == "sex")
        found = {row.label: row.cells + row.rates for row in table.rows}
        found["total"] = table.totals + table.total_rates
        found["respondents"] = report.respondents
        db.session.rollback()
        return found


SEX_TABLE = {
    "Female": ["8", "6", "6", "6", "fewer than 5", "75%", "100%", "100%", "–"],
    "Male": ["withheld"] * 3 + ["fewer than 5"] * 2 + ["–"] * 4,
    "Prefer not to say": ["fewer than 5"] * 5 + ["–"] * 4,
    "total": ["16", "11", "11", "6", "fewer than 5", "69%", "100%", "55%", "–"],
    "respondents": ["16", "11", "11", "6", "fewer than 5"],
}


def test_the_report_counts_each_group_at_each_stage_and_suppresses_small_ones(
    app: Flask, make: Factory
) -> None:
    world = seed_vacancy(app, make)
    assert sex_table(app, world.vacancy.id) == SEX_TABLE


def test_purged_applications_leave_tallies_that_keep_the_report_the_same(
    app: Flask, make: Factory
) -> None:
    world = seed_vacancy(app, make)
    before = sex_table(app, world.vacancy.id)
    with app.app_context():
        purged = db.session.scalars(select(Application).where(Application.id.in_(world.ids))).all()
        fold_into_tallies(purged)
        for application in purged:
            db.session.delete(application)
        db.session.commit()
    assert rows(app, MonitoringResponse) == [], "the answer rows go with their applications"
    tallies = {(t.stage, t.question, t.answer): t.count for t in rows(app, MonitoringTally)}
    assert tallies[("applied", "sex", "female")] == 8
    assert tallies[("interviewed", "sex", "female")] == 6
    assert ("offered", "sex", "female") not in tallies
    assert sex_table(app, world.vacancy.id) == before


def test_answers_have_no_foreign_key_and_nothing_relates_to_them() -> None:
    for model in (MonitoringResponse,):
        assert not model.__table__.foreign_keys
    monitoring_tables = {"monitoring_responses", "monitoring_tallies", "monitoring_report_jobs"}
    for mapper in Base.registry.mappers:
        for relationship in mapper.relationships:
            assert relationship.target.name not in monitoring_tables, (
                f"{mapper.class_.__name__}.{relationship.key} reaches monitoring data"
            )
    columns = {c.name for c in MonitoringResponse.__table__.columns}
    assert not {"application_id", "candidate_id", "user_id", "vacancy_id"} & columns


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_only_monitoring_and_the_subject_access_pack_compute_the_pseudonym() -> None:
    allowed = ("recruit/monitoring/", "recruit/privacy/")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("recruit", "worker")
        for path in (ROOT / folder).rglob("*.py")
        if not str(path.relative_to(ROOT)).startswith(allowed)
        and "recruit.monitoring.pseudonym" in _imports(path)
    ]
    assert offenders == []
    # The key is read in one place.
    readers = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "recruit").rglob("*.py")
        if '"MONITORING_KEY"' in path.read_text(encoding="utf-8")
    ]
    assert set(readers) <= {
        "recruit/monitoring/pseudonym.py",
        "recruit/config.py",
        "recruit/app.py",
    }
    assert "recruit/monitoring/pseudonym.py" in readers


def login(app: Flask, make: Factory, role: Role) -> FlaskClient:
    client = app.test_client()
    log_in(client, make.user(role))
    return client


def test_admins_and_the_equality_role_see_the_reports_and_nobody_else(
    app: Flask, make: Factory
) -> None:
    world = seed_vacancy(app, make)
    pages = ["/admin/equality", f"/admin/equality/vacancies/{world.vacancy.id}"]
    for role in (Role.ADMIN, Role.EQUALITY):
        client = login(app, make, role)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (role, page)
        html = client.get(pages[1]).get_data(as_text=True)
        cells = re.findall(r'govuk-table__cell--numeric">([^<]*)<', html)
        assert "fewer than 5" in cells and "withheld" in cells and "75%" in cells
        assert "Director of Trade" in html
    for role in (Role.RECRUITER, Role.PANEL, Role.CANDIDATE):
        client = login(app, make, role)
        for page in pages:
            assert client.get(page).status_code == 403, (role, page)
    assert app.test_client().get(pages[0]).status_code == 302  # anonymous: to the login page
    missing = login(app, make, Role.EQUALITY).get("/admin/equality/vacancies/999999")
    assert missing.status_code == 404


def test_the_equality_role_lands_on_the_reports_and_may_open_nothing_else(
    app: Flask, make: Factory
) -> None:
    vacancy = make.vacancy()
    application = make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    officer = make.user(Role.EQUALITY)
    client = app.test_client()
    response = submit(client, "/login", {"email": officer.email, "password": officer.password})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/equality")
    header = client.get("/admin/equality").get_data(as_text=True)
    assert "Equality reports" in header and "Recruiter dashboard" not in header
    for page in (
        "/admin/",
        "/admin/applications",
        "/admin/vacancies",
        f"/admin/vacancies/{vacancy.id}",
        f"/admin/vacancies/{vacancy.id}/applications",
        f"/admin/applications/{application.id}",
        f"/admin/vacancies/{vacancy.id}/exports",
        "/admin/users",
        "/applications",
    ):
        assert client.get(page).status_code in (403, 404), page


def test_an_admin_can_invite_an_equality_officer(app: Flask, make: Factory) -> None:
    client = login(app, make, Role.ADMIN)
    form = {"full_name": "Efa Equality", "email": "efa@example.org", "role": "equality"}
    assert submit(client, "/admin/users/invite", form).status_code == 302
    assert user_row(app, "efa@example.org").role is Role.EQUALITY
    assert "Efa Equality" in client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        message = build_message(outbox(app, "recruiter_invite")[0])
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "as an equality monitoring officer" in text


@pytest.mark.parametrize("which", ["all", "vacancy"])
def test_asking_for_a_csv_records_a_job_for_the_worker(
    app: Flask, make: Factory, which: str
) -> None:
    vacancy = make.vacancy()
    client = login(app, make, Role.EQUALITY)
    page = "/admin/equality" if which == "all" else f"/admin/equality/vacancies/{vacancy.id}"
    action = "/admin/equality/csv" if which == "all" else f"{page}/csv"
    response = submit(client, page, {}, action=action)
    assert response.status_code == 302
    jobs = rows(app, MonitoringReportJob)
    assert [j.vacancy_id for j in jobs] == [None if which == "all" else vacancy.id]
    progress = client.get(response.headers["Location"])
    assert progress.status_code == 200 and "Queued" in progress.get_data(as_text=True)
    with app.app_context():
        db.session.execute(delete(MonitoringReportJob))
        db.session.commit()


def test_an_expired_report_csv_cannot_be_downloaded_and_its_file_goes(
    app: Flask, make: Factory
) -> None:
    with app.app_context():
        job = MonitoringReportJob(
            status=ExportStatus.READY,
            storage_key="monitoring-old.csv",
            file_name="equality-report-all-vacancies.csv",
            expires_at=utcnow() - timedelta(minutes=1),
        )
        db.session.add(job)
        (export_dir() / "monitoring-old.csv").write_text("Report\r\n")
        db.session.commit()
        old = job.id
    client = login(app, make, Role.EQUALITY)
    assert client.get(f"/admin/equality/reports/{old}/download").status_code == 404
    assert submit(client, "/admin/equality", {}, action="/admin/equality/csv").status_code == 302
    with app.app_context():
        assert not (export_dir() / "monitoring-old.csv").exists()
        expired = db.session.get(MonitoringReportJob, old)
        assert expired is not None and expired.status is ExportStatus.EXPIRED
