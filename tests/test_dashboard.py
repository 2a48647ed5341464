"""The dashboard at a glance: open campaigns closing soonest, waiting work, and one vacancy's
charts (server-drawn SVG, each with its table), in a bounded number of SQL statements."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from recruit.extensions import db
from recruit.models import ApplicationStatus, StatusChange, Vacancy, VacancyStatus, utcnow
from recruit.services import dashboard, dashboard_stats
from testkit.factories import Factory
from testkit.statements import listening
from tests.support.accounts import log_in

S = ApplicationStatus


def text_of(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_open_campaigns_are_listed_closing_soonest_with_countdowns(
    client: FlaskClient, make: Factory
) -> None:
    lead = make.recruiter()
    later = make.vacancy(
        title="Head of Trade", closes_in=timedelta(days=9, hours=1), recruiter_ids=(lead.id,)
    )
    make.vacancy(
        title="Director of Skills",
        closes_in=timedelta(hours=5, minutes=10),
        recruiter_ids=(lead.id,),
    )
    make.vacancy(title="Closed role", status=VacancyStatus.CLOSED, recruiter_ids=(lead.id,))
    make.vacancy(title="Someone else's role", closes_in=timedelta(days=1))
    for status in (S.SUBMITTED, S.SUBMITTED, S.UNDER_REVIEW):
        make.application(make.candidate().id, later.id, status)
    log_in(client, lead)
    html = client.get("/admin/").get_data(as_text=True)
    table = html.split('aria-label="Open campaigns"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[1].split(">", 1)[1]
    rows = [text_of(row) for row in body.split("</tr>")[:-1]]
    assert len(rows) == 2
    assert rows[0].startswith("Director of Skills") and rows[1].startswith("Head of Trade")
    assert "Closes in 5 hours" in rows[0] and "Closes in 9 days" in rows[1]
    assert rows[1].endswith("2 1"), "two awaiting review, one awaiting the lead's scores"
    assert re.findall(r'<time [^>]*datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', table)
    assert "Closed role" not in table and "Someone else" not in html
    assert "2 applications awaiting review" in text_of(html)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (30, "closes in 1 minute"),
        (3 * 3600 + 5, "closes in 3 hours"),
        (86400 * 2.5, "closes in 2 days"),
        (-1, "closing now"),
    ],
)
def test_countdown_words(seconds: float, text: str) -> None:
    now = utcnow()
    assert dashboard.countdown(now + timedelta(seconds=seconds), now) == text


def _scored_vacancy(app: Flask, make: Factory) -> tuple[object, object, list[object]]:
    lead = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(lead.id,), closes_in=timedelta(days=3))
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    criteria = [c.id for c in vacancy.criteria]
    apps = [
        make.application(make.candidate().id, vacancy.id, s)
        for s in (S.SUBMITTED, S.UNDER_REVIEW, S.UNDER_REVIEW, S.SHORTLISTED, S.UNSUCCESSFUL)
    ]
    make.scores(apps[1].id, panel.id, dict.fromkeys(criteria, 1))
    make.scores(apps[2].id, panel.id, dict.fromkeys(criteria, 3))
    make.scores(apps[2].id, lead.id, dict.fromkeys(criteria, 4))
    return lead, vacancy, apps


def test_a_vacancy_has_four_charts_each_an_svg_image_with_a_table(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    lead, vacancy, _ = _scored_vacancy(app, make)
    log_in(client, lead)
    response = client.get(f"/admin/?vacancy={vacancy.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<figure class="app-chart"') == 4
    assert html.count("Nothing to show yet.") == 1, "no application has left a stage yet"
    svgs = re.findall(r'<svg class="app-chart__svg"[^>]*>', html)
    assert len(svgs) == 3
    for svg, after in zip(svgs, html.split('<svg class="app-chart__svg"')[1:], strict=True):
        assert 'role="img"' in svg
        names = re.search(r'aria-labelledby="([^"]+)"', svg)
        assert names is not None
        assert all(f'id="{name}"' in html for name in names.group(1).split())
        table = after.split("</figure>", 1)[0].split("</svg>", 1)[1]
        assert "<details" in table and "Show as a table" in table and "<table" in table
    text = text_of(html)
    assert "Applications reaching each stage" in text and "Median days in each stage" in text
    # The lead submitted scores for one application only: the other scored one stays hidden.
    assert "Overall score 3 to 4 1" in text and "1 more scored application stay hidden" in text


def test_funnel_counts_the_stages_each_application_reached(app: Flask, make: Factory) -> None:
    _, vacancy, _ = _scored_vacancy(app, make)
    with app.app_context():
        rows = {r.status: (r.reached, r.now) for r in dashboard_stats.funnel(vacancy.id)}
    # Five received; the unsuccessful one was never under review (its history goes straight).
    assert rows[S.SUBMITTED] == (5, 1)
    assert rows[S.UNDER_REVIEW] == (3, 2)
    assert rows[S.SHORTLISTED] == (1, 1)
    assert rows[S.APPOINTED] == (0, 0)


def test_median_days_come_from_the_history(app: Flask, make: Factory) -> None:
    vacancy = make.vacancy()
    start = utcnow() - timedelta(days=30)
    ids = [make.application(make.candidate().id, vacancy.id, S.SHORTLISTED).id for _ in range(4)]
    with app.app_context():
        for n, (application_id, days) in enumerate(zip(ids, (1, 2, 3, 10), strict=True)):
            for change in db.session.scalars(
                select(StatusChange).where(StatusChange.application_id == application_id)
            ):
                db.session.delete(change)
            steps = [(S.DRAFT, S.SUBMITTED, 0), (S.SUBMITTED, S.UNDER_REVIEW, days)]
            steps.append((S.UNDER_REVIEW, S.SHORTLISTED, days + 4))
            db.session.add_all(
                StatusChange(
                    application_id=application_id,
                    from_status=before,
                    to_status=after,
                    changed_at=start + timedelta(hours=n, days=offset),
                )
                for before, after, offset in steps
            )
        db.session.commit()
        medians = dashboard_stats.median_days(vacancy.id)
    assert medians[S.SUBMITTED] == (pytest.approx(2.5), 4)
    assert medians[S.UNDER_REVIEW] == (pytest.approx(4.0), 4)
    assert medians[S.SHORTLISTED] == (None, 0), "stays still going on are not counted"


def test_applications_per_day_run_up_to_the_closing_date(app: Flask, make: Factory) -> None:
    vacancy = make.vacancy(closes_in=timedelta(days=5))
    for _ in range(3):
        make.application(make.candidate().id, vacancy.id)
    with app.app_context():
        found = db.session.get(Vacancy, vacancy.id)
        assert found is not None
        days = dashboard_stats.per_day(found)
    assert sum(n for _, n in days) == 3
    assert days[-1][1] == 3, "today, the last day so far"


def _statements_for_charts(app: Flask, client: FlaskClient, vacancy_id: int) -> int:
    seen: list[str] = []
    with listening(app, seen.append):
        assert client.get(f"/admin/?vacancy={vacancy_id}").status_code == 200
    return len(seen)


def test_the_charts_cost_the_same_statements_at_any_size(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    lead = make.recruiter()
    small = make.vacancy(recruiter_ids=(lead.id,))
    large = make.vacancy(recruiter_ids=(lead.id,))
    make.application(make.candidate().id, small.id, S.UNDER_REVIEW)
    for _ in range(25):
        make.application(make.candidate().id, large.id, S.UNDER_REVIEW)
    log_in(client, lead)
    _statements_for_charts(app, client, small.id)  # the first request warms per-process caches
    assert _statements_for_charts(app, client, small.id) == _statements_for_charts(
        app, client, large.id
    )


def test_only_the_vacancy_team_and_admins_see_its_charts(
    client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    outsider = make.recruiter()
    log_in(client, outsider)
    assert client.get(f"/admin/?vacancy={vacancy.id}").status_code == 404
    for junk in ("abc", "１２", "99999999999999999999", "-1", "0"):
        assert client.get("/admin/", query_string={"vacancy": junk}).status_code == 404
    panel_client = client.application.test_client()
    member = make.panel_member()
    make.assign_panel(vacancy.id, member.id)
    log_in(panel_client, member)
    assert panel_client.get(f"/admin/?vacancy={vacancy.id}").status_code == 404
    page = panel_client.get("/admin/").get_data(as_text=True)
    assert "Show charts" not in page and "Awaiting review" not in page
    admin_client = client.application.test_client()
    log_in(admin_client, make.admin())
    html = admin_client.get(f"/admin/?vacancy={vacancy.id}").get_data(as_text=True)
    assert re.search(r'<svg class="app-chart__svg"', html) is None, "nothing to draw yet"
    assert "Nothing to show yet." in html


def test_the_dashboard_links_each_vacancy_to_its_exports(
    client: FlaskClient, make: Factory
) -> None:
    lead = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(lead.id,))
    log_in(client, lead)
    html = client.get("/admin/").get_data(as_text=True)
    assert f'href="/admin/vacancies/{vacancy.id}/exports"' in html
    page = client.get(f"/admin/vacancies/{vacancy.id}").get_data(as_text=True)
    assert f'href="/admin/vacancies/{vacancy.id}/exports"' in page


def _statements_for_dashboard(app: Flask, client: FlaskClient) -> int:
    seen: list[str] = []
    with listening(app, seen.append):
        assert client.get("/admin/").status_code == 200
    return len(seen)


def test_the_dashboard_costs_the_same_statements_for_any_number_of_vacancies(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    lead = make.recruiter()
    first = make.vacancy(recruiter_ids=(lead.id,), closes_in=timedelta(days=2))
    make.application(make.candidate().id, first.id, S.SUBMITTED)
    log_in(client, lead)
    _statements_for_dashboard(app, client)  # the first request warms per-process caches
    one = _statements_for_dashboard(app, client)
    for days in (3, 4, 5):
        more = make.vacancy(recruiter_ids=(lead.id,), closes_in=timedelta(days=days))
        make.application(make.candidate().id, more.id, S.UNDER_REVIEW)
    assert _statements_for_dashboard(app, client) == one
