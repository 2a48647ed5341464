"""The board: a column per stage with its count and first cards, and moves by plain form posts."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from recruit.models import Application
from recruit.models import ApplicationStatus as S
from recruit.services.board import CARDS_PER_COLUMN
from testkit.factories import Factory
from testkit.forms import csrf_token_from
from tests.support.accounts import log_in
from tests.support.rows import stored


def column(html: str, stage: str) -> str:
    """The HTML of one stage's column."""
    match = re.search(
        rf'<section class="app-board__column" aria-labelledby="stage-{stage}">'
        r"(.*?)</section>",
        html,
        re.S,
    )
    assert match, stage
    return match.group(1)


def test_a_column_per_stage_with_counts_cards_and_a_link_to_the_rest(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy(title="Head of Skills")
    people = [make.candidate(full_name=f"Person {n:02d}") for n in range(CARDS_PER_COLUMN + 2)]
    for person in people:
        make.application(person.id, vacancy.id)
    make.application(make.candidate(full_name="Sasha Short").id, vacancy.id, S.SHORTLISTED)
    log_in(client, make.team_recruiter(vacancy.id))
    response = client.get(f"/admin/vacancies/{vacancy.id}/board")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'role="region" aria-label="Stages of the board" tabindex="0"' in html
    submitted = column(html, "submitted")
    assert f">{CARDS_PER_COLUMN + 2}<span" in submitted
    assert submitted.count('class="app-card"') == CARDS_PER_COLUMN
    assert "Person 00" in submitted and "Person 09" not in submitted, "oldest first"
    link = f"/admin/vacancies/{vacancy.id}/applications?status=submitted"
    assert f'href="{link}">All {CARDS_PER_COLUMN + 2} submitted' in submitted
    assert "Sasha Short" in column(html, "shortlisted")
    assert "None" in column(html, "appointed")
    # Submitted date and time on every card, and its scores only once the viewer's are in.
    assert re.search(
        r"Submitted <time datetime=\"[^\"]+\">\d{1,2} \w{3} \d{4}, \d{1,2}:\d\d[ap]m<", html
    )
    assert "Score hidden" in submitted
    assert f'href="/admin/vacancies/{vacancy.id}/exports"' in html, "the export page is linked"
    assert f'href="/admin/vacancies/{vacancy.id}/applications"' in html, "and the list view"


def test_a_card_moves_with_a_labelled_select_and_a_button(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    candidate = make.candidate(full_name="Morgan Mover")
    application = make.application(candidate.id, vacancy.id, S.UNDER_REVIEW)
    log_in(client, make.team_recruiter(vacancy.id))
    html = client.get(f"/admin/vacancies/{vacancy.id}/board").get_data(as_text=True)
    card = column(html, "under_review")
    label = f'<label class="govuk-label govuk-body-s" for="move-{application.id}">Move'
    assert label in card and "Morgan Mover</span> to</label>" in card
    options = re.findall(r'<option value="(\w+)">', card)
    assert options == ["submitted", "shortlisted", "unsuccessful"], "the pipeline's moves only"
    assert card.count('name="csrf_token"') == 1

    data = {
        "csrf_token": csrf_token_from(html),
        "vacancy_id": str(vacancy.id),
        "return_to": "board",
        "action": "move",
        "application_ids": str(application.id),
        "to_status": "shortlisted",
    }
    response = client.post("/admin/applications/bulk", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/vacancies/{vacancy.id}/board")
    assert stored(app, Application, application.id).status is S.SHORTLISTED
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 application moved to shortlisted." in page
    assert "Morgan Mover" in column(page, "shortlisted")
    # A move the pipeline does not allow changes nothing and says why.
    response = client.post("/admin/applications/bulk", data={**data, "to_status": "offer"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be moved to offer" in page
    assert stored(app, Application, application.id).status is S.SHORTLISTED


def test_an_anonymised_sift_shows_candidate_numbers(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy(anonymised_sift=True)
    hidden = make.application(make.candidate(full_name="Hidden Hari").id, vacancy.id)
    make.application(make.candidate(full_name="Shown Sam").id, vacancy.id, S.SHORTLISTED)
    log_in(client, make.team_recruiter(vacancy.id))
    html = client.get(f"/admin/vacancies/{vacancy.id}/board").get_data(as_text=True)
    number = stored(app, Application, hidden.id).candidate_number
    assert "Hidden Hari" not in html
    assert f"Candidate {number}" in html
    assert "Shown Sam" in html, "named from the shortlist on, as everywhere else"


def test_panel_members_see_sift_stages_without_moves(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    make.application(make.candidate().id, vacancy.id, S.UNDER_REVIEW)
    make.application(make.candidate().id, vacancy.id, S.SUBMITTED)
    panel = make.panel_member()
    make.assign_panel(vacancy.id, panel.id)
    log_in(client, panel)
    html = client.get(f"/admin/vacancies/{vacancy.id}/board").get_data(as_text=True)
    assert 'aria-labelledby="stage-under_review"' in html
    assert 'aria-labelledby="stage-submitted"' not in html, "not in the sift yet"
    assert "app-card__move" not in html and "csrf_token" not in html.split("<main")[-1]
    assert "/exports" not in html


def test_the_list_view_keeps_filters_and_selects_a_whole_page(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    vacancy = make.vacancy()
    apps = [make.application(make.candidate().id, vacancy.id) for _ in range(3)]
    log_in(client, make.team_recruiter(vacancy.id))
    url = f"/admin/vacancies/{vacancy.id}/applications?sort=newest"
    html = client.get(url).get_data(as_text=True)
    assert '<option value="newest" selected>Submitted, newest first</option>' in html
    assert '<option value="under_review">Under review</option>' in html
    assert '<label class="govuk-label govuk-checkboxes__label" for="select_all">' in html
    assert re.search(r"<time datetime=\"[^\"]+\">\d{1,2} \w{3} \d{4}, \d{1,2}:\d\d[ap]m<", html)
    assert f'href="/admin/vacancies/{vacancy.id}/board"' in html
    # Applications start high on the page: before the filters, only a line of stage links.
    assert '<details class="govuk-details govuk-!-margin-bottom-4">' in html, "filters folded"
    data = {
        "csrf_token": csrf_token_from(html),
        "vacancy_id": str(vacancy.id),
        "back": "sort=newest",
        "select_all": "page",
        "page_ids": [str(a.id) for a in apps],
        "action": "shortlist",
    }
    response = client.post("/admin/applications/bulk", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("applications?sort=newest")
    assert all(stored(app, Application, a.id).on_shortlist for a in apps)
