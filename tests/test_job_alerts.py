"""Job alerts (issue #13): a signed-in candidate saves the list's search, sees and deletes their
alerts; the daily run emails only vacancies new to each alert; one-click unsubscribe (RFC 8058)
works without a login or CSRF token; alerts are in the access pack and go with the account."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from recruit.extensions import db
from recruit.models import JobAlert, JobAlertVacancy, User, Vacancy, db_now, utcnow
from recruit.notifications.mail import build_message
from recruit.privacy import erasure
from recruit.services import alerts
from testkit.factories import Factory
from testkit.forms import csrf_token_from, submit
from tests.support.accounts import log_in
from tests.support.rows import outbox, rows


def save_search(client: FlaskClient, query: str) -> str:
    """Press "Get job alerts for this search" on the list for `query`; the alerts page after."""
    page = client.get(f"/vacancies?{query}")
    html = page.get_data(as_text=True)
    assert "Get job alerts for this search" in html
    form = re.search(r'<form method="post" action="/account/alerts/new".*?</form>', html, re.S)
    assert form is not None
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(0)))
    response = client.post("/account/alerts/new", data=data, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def run_daily(app: Flask) -> int:
    """What the daily task does, in this process: each alert in its own transaction."""
    sent = 0
    with app.app_context():
        now = db.session.scalar(select(db_now()))
        db.session.commit()
        for alert_id in alerts.due_alert_ids():
            sent += alerts.send_new_vacancies(alert_id, now) > 0
            db.session.commit()
    return sent


def backdate_alert(app: Flask, days: int = 1) -> None:
    """Every alert was saved, and last run, `days` ago."""
    with app.app_context():
        past = utcnow() - timedelta(days=days)
        db.session.execute(update(JobAlert).values(created_at=past, checked_until=past))
        db.session.commit()


def publish_ago(app: Flask, vacancy_id: int, hours: float) -> None:
    """Say the vacancy was published `hours` ago."""
    with app.app_context():
        when = utcnow() - timedelta(hours=hours)
        db.session.execute(
            update(Vacancy).where(Vacancy.id == vacancy_id).values(published_at=when)
        )
        db.session.commit()


def test_a_candidate_saves_the_search_and_sees_and_deletes_it(
    client: FlaskClient, make: Factory, app: Flask
) -> None:
    amara = make.candidate(full_name="Amara Okafor")
    log_in(client, amara)
    html = save_search(client, "theme=skills&q=director")
    assert "Job alert saved. We will email you new vacancies for theme Skills" in html
    assert "Theme Skills, keywords “director”" in html
    # The same search again keeps the one alert.
    again = save_search(client, "theme=skills&q=director")
    assert "You already have a job alert for theme Skills" in again
    [alert] = rows(app, JobAlert)
    assert (alert.user_id, alert.theme, alert.keywords) == (amara.id, "skills", "director")

    deleted = submit(
        client, "/account/alerts", {"alert_id": str(alert.id)}, action="/account/alerts/delete"
    )
    assert deleted.status_code == 302
    assert rows(app, JobAlert) == []
    assert "You have no job alerts." in client.get("/account/alerts").get_data(as_text=True)


def test_only_a_signed_in_candidate_is_offered_alerts(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    make.vacancy(themes=("skills",))
    anonymous = app.test_client().get("/vacancies?theme=skills").get_data(as_text=True)
    assert "Get job alerts for this search" not in anonymous
    log_in(client, make.recruiter())
    assert "Get job alerts" not in client.get("/vacancies?theme=skills").get_data(as_text=True)
    assert client.get("/account/alerts").status_code == 403


def test_a_search_with_nothing_chosen_or_a_bad_value_is_refused_clearly(
    client: FlaskClient, make: Factory, app: Flask
) -> None:
    log_in(client, make.candidate())
    page = client.get("/vacancies").get_data(as_text=True)
    assert "Choose a theme, a sector or keywords" in page
    token = csrf_token_from(client.get("/account/alerts").get_data(as_text=True))
    for data, message in (
        ({}, "Choose a theme, a sector or keywords before saving a job alert"),
        ({"theme": "nonsense"}, "Select a theme from the list"),
        ({"sector": "x" * 61}, "Select a sector or cluster from the list"),
    ):
        response = client.post("/account/alerts/new", data={**data, "csrf_token": token})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert rows(app, JobAlert) == []
    # Control characters are never stored: they become spaces.
    saved = client.post("/account/alerts/new", data={"q": "a\x00b\r\nc", "csrf_token": token})
    assert saved.status_code == 302
    assert [a.keywords for a in rows(app, JobAlert)] == ["a b c"]


def test_nobody_deletes_another_candidates_alert(
    client: FlaskClient, make: Factory, app: Flask
) -> None:
    owner = make.candidate()
    with app.app_context():
        alert = JobAlert(user_id=owner.id, theme="skills")
        db.session.add(alert)
        db.session.commit()
        alert_id = alert.id
    log_in(client, make.candidate())
    for value in (str(alert_id), "٣", "9" * 40, ""):
        response = submit(
            client, "/account/alerts", {"alert_id": value}, action="/account/alerts/delete"
        )
        assert response.status_code == 404
    assert [a.id for a in rows(app, JobAlert)] == [alert_id]


def alert_for(app: Flask, user: SimpleNamespace, **search: str) -> int:
    """An alert of `user` saved a day ago."""
    with app.app_context():
        alert = JobAlert(user_id=user.id, **search)
        db.session.add(alert)
        db.session.commit()
        alert_id = alert.id
    backdate_alert(app)
    return alert_id


def test_the_daily_run_emails_only_new_matching_vacancies_once(app: Flask, make: Factory) -> None:
    ngozi = make.candidate(email="ngozi@example.org")
    alert_id = alert_for(app, ngozi, theme="skills")
    old = make.vacancy(title="Old Skills Role", themes=("skills",))
    publish_ago(app, old.id, 48)  # before the alert was saved
    new = make.vacancy(title="Head of Skills", themes=("skills",), salary_band="£99,000")
    make.vacancy(title="Head of Rail", themes=("connectivity",))  # does not match
    closed = make.vacancy(title="Closed Skills Role", themes=("skills",))
    with app.app_context():
        past = utcnow() - timedelta(minutes=1)
        db.session.execute(update(Vacancy).where(Vacancy.id == closed.id).values(closes_at=past))
        db.session.commit()

    assert run_daily(app) == 1
    [row] = outbox(app, "job_alert")
    assert row.recipient == "ngozi@example.org"
    assert [v["title"] for v in row.payload["vacancies"]] == ["Head of Skills"]
    assert row.payload["total"] == 1 and row.payload["search"] == "theme Skills"
    assert [(s.alert_id, s.vacancy_id) for s in rows(app, JobAlertVacancy)] == [(alert_id, new.id)]
    # The next day: nothing new, nothing sent; then one more, and only that one.
    assert run_daily(app) == 0
    assert len(outbox(app, "job_alert")) == 1
    later = make.vacancy(title="Skills Director", themes=("skills",))
    assert run_daily(app) == 1
    assert [v["title"] for v in outbox(app, "job_alert")[-1].payload["vacancies"]] == [
        "Skills Director"
    ]
    assert {s.vacancy_id for s in rows(app, JobAlertVacancy)} == {new.id, later.id}


def test_a_vacancy_committed_late_is_still_sent_but_never_twice(app: Flask, make: Factory) -> None:
    """One published just before a run but seen only after it is in the next run's overlap."""
    alert_for(app, make.candidate(), keywords="skills")
    first = make.vacancy(title="Skills Lead")
    assert run_daily(app) == 1
    late = make.vacancy(title="Skills Manager")
    publish_ago(app, late.id, 0.1)  # stamped before the last run, committed after it
    publish_ago(app, first.id, 0.1)
    assert run_daily(app) == 1
    assert [v["title"] for v in outbox(app, "job_alert")[-1].payload["vacancies"]] == [
        "Skills Manager"
    ]


def test_the_email_carries_one_click_unsubscribe_headers_and_a_visible_link(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    alert_id = alert_for(app, make.candidate(email="li@example.org"), sector="medtech")
    make.vacancy(title="MedTech Director", sectors=("medtech",))
    run_daily(app)
    [row] = outbox(app, "job_alert")
    with app.test_request_context():
        message = build_message(row)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"]
    assert header.startswith("<http://") and header.endswith(">")
    url = header[1:-1]
    assert urlsplit(url).path == "/alerts/unsubscribe"
    assert message["Subject"] == "New vacancies for your job alert: sector MedTech (cluster)"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert url in text and url.replace("&", "&amp;") in html
    assert "Unsubscribe from this job alert" in text and "Unsubscribe from this job alert" in html

    link = url.removeprefix("http://127.0.0.1:5000")
    # A GET (a link scanner, or the reader) only asks; nothing changes.
    page = client.get(link)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert "We will stop emailing you new vacancies for sector MedTech (cluster)" in page.get_data(
        as_text=True
    )
    assert [a.id for a in rows(app, JobAlert)] == [alert_id]
    # The mail client's one-click POST: no session, no CSRF token.
    done = app.test_client().post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.get_data(as_text=True)
    assert rows(app, JobAlert) == []
    # Again (a retry): still fine, nothing to do.
    assert app.test_client().post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_an_unsubscribe_token_works_for_its_own_alert_only(app: Flask, make: Factory) -> None:
    mine = alert_for(app, make.candidate(), theme="skills")
    theirs = alert_for(app, make.candidate(), theme="trade")
    with app.app_context():
        alert = db.session.get(JobAlert, mine)
        assert alert is not None
        token = alerts.unsubscribe_token(alert)
    client = app.test_client()
    for bad in ("", "x", token[:-2] + "xx", token.replace(".", "")):
        response = client.post("/alerts/unsubscribe", query_string={"token": bad})
        assert response.status_code == 410
        assert "This link is not valid" in response.get_data(as_text=True)
    assert client.post("/alerts/unsubscribe", query_string={"token": token}).status_code == 200
    assert [a.id for a in rows(app, JobAlert)] == [theirs]


def test_alerts_are_erased_with_the_account(app: Flask, make: Factory) -> None:
    person = make.candidate()
    alert_for(app, person, theme="skills")
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        erasure.erase_account(user)
        db.session.commit()
    assert rows(app, JobAlert) == []
