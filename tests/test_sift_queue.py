"""The sift in reading order: statement and evidence, then the score form, then the move; next
and previous through the sift queue; one menu item highlighted on every sift page."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from recruit.extensions import db
from recruit.models import Application, ApplicationStatus, User, utcnow
from recruit.services import sift_queue
from testkit.factories import Factory
from testkit.forms import submit
from testkit.statements import listening
from tests.support.accounts import log_in

S = ApplicationStatus


def _queue(
    app: Flask, make: Factory, statuses: list[ApplicationStatus]
) -> tuple[object, list[int]]:
    """A vacancy with one application per status, submitted an hour apart in the given order
    (ids in reverse), so the queue's order is visibly not the id order."""
    lead = make.recruiter()
    vacancy = make.vacancy(recruiter_ids=(lead.id,))
    ids = [make.application(make.candidate().id, vacancy.id, s).id for s in statuses]
    with app.app_context():
        for hours, application_id in enumerate(ids):
            found = db.session.get(Application, application_id)
            assert found is not None
            found.submitted_at = utcnow() - timedelta(hours=100 - hours)
        db.session.commit()
    return lead, ids


def _links(html: str) -> tuple[str | None, str | None]:
    previous = re.search(r'href="/admin/applications/(\d+)" rel="prev"', html)
    following = re.search(r'href="/admin/applications/(\d+)" rel="next"', html)
    return (previous.group(1) if previous else None, following.group(1) if following else None)


def test_next_and_previous_follow_the_sift_list_order(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    statuses = [S.UNDER_REVIEW, S.SUBMITTED, S.SHORTLISTED, S.WITHDRAWN, S.UNDER_REVIEW]
    lead, ids = _queue(app, make, statuses)
    log_in(client, lead)
    in_sift = [ids[0], ids[2], ids[4]]  # submitted-only and withdrawn ones are not in the sift
    for place, application_id in enumerate(in_sift):
        html = client.get(f"/admin/applications/{application_id}").get_data(as_text=True)
        assert f"Application {place + 1} of 3 in the sift" in html
        previous = str(in_sift[place - 1]) if place else None
        following = str(in_sift[place + 1]) if place < 2 else None
        assert _links(html) == (previous, following)
    outside = client.get(f"/admin/applications/{ids[1]}").get_data(as_text=True)
    assert "in the sift for this vacancy" not in outside and _links(outside) == (None, None)


def test_a_panel_member_works_through_the_queue_without_the_list(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    _, ids = _queue(app, make, [S.UNDER_REVIEW, S.UNDER_REVIEW])
    with app.app_context():
        vacancy_id = db.session.get(Application, ids[0]).vacancy_id  # type: ignore[union-attr]
    member = make.panel_member()
    make.assign_panel(vacancy_id, member.id)
    log_in(client, member)
    first = client.get(f"/admin/applications/{ids[0]}").get_data(as_text=True)
    criteria = re.findall(r'name="(score_\d+)"', first)
    assert criteria, "the score form is on the application page"
    data = {name: "3" for name in set(criteria)} | {"action": "submit", "on": "application"}
    response = submit(
        client, f"/admin/applications/{ids[0]}", data, action=f"/admin/applications/{ids[0]}/score"
    )
    assert response.status_code == 302
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _links(after) == (None, str(ids[1]))
    assert 'name="score_' not in after, "submitted scores are final: no form"


def test_the_application_page_reads_statement_evidence_score_then_move(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    lead, ids = _queue(app, make, [S.UNDER_REVIEW])
    log_in(client, lead)
    html = client.get(f"/admin/applications/{ids[0]}").get_data(as_text=True)
    order = [
        html.index('id="statement"'),
        html.index('id="evidence"'),
        html.index('id="score"'),
        html.index('id="move"'),
    ]
    assert order == sorted(order)
    assert html.index(f'action="/admin/applications/{ids[0]}/score"') < order[3]


def test_score_errors_from_the_application_page_show_on_it(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    lead, ids = _queue(app, make, [S.UNDER_REVIEW])
    log_in(client, lead)
    url = f"/admin/applications/{ids[0]}"
    response = submit(client, url, {"action": "submit", "on": "application"}, action=f"{url}/score")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Score every criterion before you submit" in html
    assert 'id="statement"' in html and 'id="move"' in html, "the application page, not another"


def test_every_sift_page_highlights_the_same_menu_item(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    lead, ids = _queue(app, make, [S.UNDER_REVIEW])
    log_in(client, lead)
    url = f"/admin/applications/{ids[0]}"
    for page in (url, f"{url}/score", f"{url}/moderate"):
        html = client.get(page).get_data(as_text=True)
        current = re.findall(r'<a [^>]*href="([^"]+)"[^>]*aria-current="page"', html)
        assert current == ["/admin/applications"], page


def test_the_place_in_the_queue_is_one_statement(app: Flask, make: Factory) -> None:
    lead, ids = _queue(app, make, [S.UNDER_REVIEW, S.SHORTLISTED, S.UNDER_REVIEW])
    with app.app_context():
        viewer = db.session.get(User, lead.id)  # type: ignore[attr-defined]
        middle = db.session.get(Application, ids[1])
        assert viewer is not None and middle is not None
        seen: list[str] = []
        with listening(app, seen.append):
            found = sift_queue.place(viewer, middle)
    assert found == sift_queue.QueuePlace(ids[0], ids[2], 2, 3)
    assert len(seen) == 1
