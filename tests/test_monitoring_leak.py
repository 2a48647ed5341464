"""Leak test: monitoring answers reach nobody but admins and the equality role.

Answers holding unique marker strings are stored for two candidates' applications (and as a
purged vacancy's tallies). Then every GET route in `app.url_map` is crawled as every role but
admin and equality (the owner candidate, another candidate, an assigned and an unassigned panel
member, the vacancy's recruiter, another recruiter, an anonymous visitor); every export format
is built; every email in the catalog is built from real rows; and the logs of all of it are
read. No marker may appear anywhere. The same crawl as the equality role must find them on the
reports, so the search is shown to work.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask
from sqlalchemy import select

from recruit.exports import jobs
from recruit.extensions import db
from recruit.models import (
    Application,
    ExportFormat,
    ExportJob,
    ExportStatus,
    MonitoringReportJob,
    MonitoringTally,
    User,
    Vacancy,
)
from recruit.monitoring.questions import QUESTIONS
from testkit.factories import Factory
from tests.conftest import AppFactory
from tests.support.access import (
    ADMIN,
    ANONYMOUS,
    CANDIDATE,
    EQUALITY,
    OWNER,
    PANEL_ASSIGNED,
    PANEL_OTHER,
    RECRUITER,
    RECRUITER_OTHER,
    Browser,
    People,
    World,
    build_world,
    make_people,
)
from tests.support.leak import read_export, render_every_email
from tests.support.logs import capture_all_logs
from tests.support.monitoring import store_answers

CRAWLERS = (OWNER, CANDIDATE, PANEL_ASSIGNED, PANEL_OTHER, RECRUITER, RECRUITER_OTHER, ANONYMOUS)
# The subject access pack is the owner's own copy of everything, their answers included.
OWNER_MAY_SEE = frozenset({"portal.download_data"})


def plant_markers(app: Flask, world: World, people: People) -> list[str]:
    """Marker answers for both candidates, a marker tally and a report file; the markers."""
    nonce = secrets.token_hex(5)
    markers: list[str] = []
    for who, application_id in (("a", world.application_id), ("b", world.other_application_id)):
        answers = {q.slug: f"mk{who}{q.slug.replace('_', '')}{nonce}" for q in QUESTIONS}
        store_answers(app, application_id, answers)
        markers += answers.values()
    tally_marker = f"mktally{nonce}"
    file_marker = f"mkfile{nonce}"
    with app.app_context():
        db.session.add(
            MonitoringTally(
                vacancy_id=world.vacancy_id,
                stage="applied",
                question="ethnicity",
                answer=tally_marker,
                count=7,
            )
        )
        report = db.session.get(MonitoringReportJob, world.report_id)
        assert report is not None and report.storage_key
        (jobs.export_dir() / report.storage_key).write_text(f"Report,{file_marker}\r\n")
        db.session.commit()
    return [*markers, tally_marker, file_marker]


def found_in(text: str | bytes, markers: list[str]) -> list[str]:
    """The markers in `text`."""
    data = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
    return [m for m in markers if m in data]


def fill(rule_path: str, values: dict[str, Any]) -> tuple[str, bool]:
    """The rule's path with the world's ids; whether every argument had a value from it."""
    path, known = rule_path, True
    for name, value in values.items():
        for converter in ("", "int:"):
            path = path.replace(f"<{converter}{name}>", str(value))
    while "<" in path:  # an argument the world has no object for: any id, probably a 404
        start, end = path.index("<"), path.index(">")
        path, known = path[:start] + "1" + path[end + 1 :], False
    return path, known


class Crawl:
    """GET every route as one role after another, keeping the tally."""

    def __init__(self, app: Flask, people: People, world: World, markers: list[str]) -> None:
        self.app, self.people, self.world, self.markers = app, people, world, markers
        self.requests = 0
        self.routes: set[str] = set()
        self.guessed: set[str] = set()
        self.leaks: list[str] = []

    def rules(self) -> list[Any]:
        """Every GET route but static files, logging out last."""
        found = [
            r
            for r in self.app.url_map.iter_rules()
            if r.endpoint != "static" and "GET" in (r.methods or set())
        ]
        return sorted(found, key=lambda r: (r.endpoint.startswith("auth."), r.endpoint, r.rule))

    def run(self, role: str) -> list[str]:
        """Crawl as `role`; the markers each response held, as 'role endpoint: markers'."""
        hits: list[str] = []
        browser = Browser(role, self.app.test_client())
        user = None if role == ANONYMOUS else self.people[role]
        browser.sign_in(user)
        for rule in self.rules():
            path, known = fill(rule.rule, self.world.path_values())
            if not known:
                self.guessed.add(rule.endpoint)
            response = browser.client.get(path)
            self.requests += 1
            self.routes.add(rule.endpoint)
            body = response.get_data() + str(response.headers).encode()
            found = found_in(body, self.markers)
            if found and not (role == OWNER and rule.endpoint in OWNER_MAY_SEE):
                hits.append(f"{role} GET {rule.endpoint} ({path}): {found}")
            if rule.endpoint.startswith("auth.") and user is not None:
                # A link page may have ended the session: carry on in a fresh one.
                browser = Browser(role, self.app.test_client())
                browser.sign_in(user)
        return hits


def build_every_export(app: Flask, world: World, people: People) -> dict[str, str]:
    """Each export format of the world's vacancy, built as a worker builds it, as text."""
    texts: dict[str, str] = {}
    with app.app_context():
        for fmt in ExportFormat:
            for which in (None, "shortlist", "longlist"):
                job = ExportJob(
                    vacancy_id=world.vacancy_id,
                    requested_by_id=people[RECRUITER].id,
                    format=fmt,
                    selection={"list": which, "statuses": []},
                    status=ExportStatus.BUILDING,
                )
                db.session.add(job)
                db.session.commit()
                texts[f"{fmt.value}-{which or 'all'}"] = read_export(jobs.build(job))
    return texts


def build_every_email(app: Flask, world: World, people: People) -> tuple[dict[str, str], list[str]]:
    """Every catalog email, built from the world's rows (the owner is its candidate)."""
    with app.app_context():
        application = db.session.get(Application, world.application_id)
        vacancy = db.session.get(Vacancy, world.vacancy_id)
        export = db.session.get(ExportJob, world.export_id)
        owner = db.session.get(User, people[OWNER].id)
        assert application and vacancy and export and owner
        rows = {"Application": application, "Vacancy": vacancy, "ExportJob": export, "User": owner}
        ids = {"users": owner.id, "applications": application.id, "vacancies": vacancy.id}
        try:
            return render_every_email(rows, ids)
        finally:
            db.session.rollback()


def test_no_monitoring_answer_reaches_any_other_role_export_email_or_log(
    app_factory: AppFactory, backend: str
) -> None:
    app = app_factory(RATELIMIT_ENABLED=False)
    make = Factory(app)
    people = make_people(make)
    world = build_world(app, make, people)
    markers = plant_markers(app, world, people)
    crawl = Crawl(app, people, world, markers)
    leaks: list[str] = []
    with capture_all_logs() as (capture, stream):
        for role in CRAWLERS:
            leaks += crawl.run(role)
        exports = build_every_export(app, world, people)
        emails, skipped = build_every_email(app, world, people)
        # The control: the same search finds the markers where they belong.
        control = Crawl(app, people, world, markers)
        shown = control.run(EQUALITY) + control.run(ADMIN)
    for name, text in exports.items():
        leaks += [f"export {name}: {m}" for m in found_in(text, markers)]
    for name, text in emails.items():
        leaks += [f"email {name}: {m}" for m in found_in(text, markers)]
    logs = "\n".join(capture.texts) + stream.getvalue()
    leaks += [f"log: {m}" for m in found_in(logs, markers)]
    guessed = sorted(crawl.guessed)
    print(
        f"\nmonitoring leak test ({backend}): {len(crawl.rules())} GET routes "
        f"({len(crawl.routes)} endpoints) x {len(CRAWLERS)} roles = {crawl.requests} requests "
        f"({len(guessed)} with an id the world does not hold: {guessed}); {len(exports)} exports "
        f"({', '.join(sorted(exports))}); {len(emails)} of {len(emails) + len(skipped)} emails "
        f"built (skipped: {skipped}); {len(capture.texts)} log records; "
        f"markers found: {len(leaks)}"
    )
    assert leaks == [], "monitoring answers leaked:\n" + "\n".join(leaks)
    assert skipped == [], f"emails the test could not build: {skipped}"
    assert len(exports) == 3 * len(ExportFormat)
    with app.app_context():
        number = db.session.scalar(
            select(Application.candidate_number).where(Application.id == world.application_id)
        )
    everyone = [text for name, text in exports.items() if name.endswith("-all")]
    assert all(number in text for text in everyone), "the exports hold the applications"
    # Admins and the equality role do see them: the report labels the marker answers.
    assert any("admin.equality_vacancy" in hit for hit in shown)
    assert any("admin.equality_report_download" in hit for hit in shown)
