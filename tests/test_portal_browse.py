"""Public pages: home, the vacancy list (filters, search, paging) and a vacancy's advert."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from recruit.extensions import db
from recruit.models import Vacancy, VacancyStatus
from testkit.factories import Factory


def set_closes_at(app: Flask, vacancy_id: int, when: datetime) -> None:
    """Put an exact closing time on a vacancy."""
    with app.app_context():
        db.session.execute(update(Vacancy).where(Vacancy.id == vacancy_id).values(closes_at=when))
        db.session.commit()


def titles(html: str) -> list[str]:
    """Vacancy titles in the order the list shows them."""
    return re.findall(r'<a class="govuk-link" href="/vacancies/[^"]+">([^<]+)</a>', html)


def test_home_page_introduces_the_service(client: FlaskClient) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Midlands Engine" in html
    assert "Log in / Create account" in html
    assert 'href="/vacancies?theme=skills"' in html
    assert "Trade &amp; Investment" in html


def test_list_shows_only_open_published_vacancies_soonest_first(
    client: FlaskClient, make: Factory
) -> None:
    make.vacancy(title="Closes Third", closes_in=timedelta(days=30))
    make.vacancy(title="Closes First", closes_in=timedelta(days=2))
    make.vacancy(title="Closes Second", closes_in=timedelta(days=9))
    make.vacancy(title="Still A Draft", status=VacancyStatus.DRAFT)
    make.vacancy(title="Marked Closed", status=VacancyStatus.CLOSED)
    make.vacancy(title="Past Its Deadline", closes_in=timedelta(minutes=-1))
    response = client.get("/vacancies")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert titles(html) == ["Closes First", "Closes Second", "Closes Third"]
    assert "3 vacancies" in html


def test_filter_by_theme_and_sector(client: FlaskClient, make: Factory) -> None:
    make.vacancy(title="Head of Skills and Talent", themes=("skills",), sectors=())
    make.vacancy(title="Head of MedTech", themes=("innovation",), sectors=("medtech",))
    make.vacancy(
        title="Space Chief Executive", themes=("innovation",), sectors=("space-technology",)
    )
    html = client.get("/vacancies?theme=innovation").get_data(as_text=True)
    assert titles(html) == ["Head of MedTech", "Space Chief Executive"]
    html = client.get("/vacancies?theme=innovation&sector=medtech").get_data(as_text=True)
    assert titles(html) == ["Head of MedTech"]
    assert "1 vacancy" in html
    html = client.get("/vacancies?theme=skills&sector=medtech").get_data(as_text=True)
    assert titles(html) == []
    assert "0 vacancies" in html


def test_filter_form_has_labels(client: FlaskClient) -> None:
    html = client.get("/vacancies").get_data(as_text=True)
    assert '<form method="get"' in html
    for field in ("q", "theme", "sector"):
        assert f'for="{field}"' in html


def test_search_is_case_insensitive_over_title_summary_and_description(
    client: FlaskClient, make: Factory
) -> None:
    make.vacancy(title="Director of Connectivity", summary="Transport strategy.")
    make.vacancy(title="Quality of Life Lead", summary="Place and culture.")
    make.vacancy(title="Trade Director", description="Run overseas TRADE missions.")
    assert titles(client.get("/vacancies?q=CONNECTIVITY").get_data(as_text=True)) == [
        "Director of Connectivity"
    ]
    assert titles(client.get("/vacancies?q=culture").get_data(as_text=True)) == [
        "Quality of Life Lead"
    ]
    assert titles(client.get("/vacancies?q=missions+trade").get_data(as_text=True)) == [
        "Trade Director"
    ]


def test_search_treats_like_wildcards_literally(client: FlaskClient, make: Factory) -> None:
    make.vacancy(title="Growth 100% Lead")
    make.vacancy(title="Plain Role")
    make.vacancy(title="snake_case Role")
    assert titles(client.get("/vacancies?q=%25").get_data(as_text=True)) == ["Growth 100% Lead"]
    assert titles(client.get("/vacancies?q=_").get_data(as_text=True)) == ["snake_case Role"]
    assert titles(client.get("/vacancies?q=\\").get_data(as_text=True)) == []


def test_pagination(client: FlaskClient, make: Factory, app: Flask) -> None:
    size = int(app.config["PAGE_SIZE"])
    for n in range(size + 2):
        make.vacancy(title=f"Role {n:02d}", closes_in=timedelta(days=n + 1))
    first = client.get("/vacancies").get_data(as_text=True)
    assert len(titles(first)) == size
    assert f"{size + 2} vacancies" in first
    assert 'class="govuk-pagination"' in first
    assert 'rel="next"' in first
    second = client.get("/vacancies?page=2").get_data(as_text=True)
    assert titles(second) == [f"Role {size:02d}", f"Role {size + 1:02d}"]
    assert 'aria-current="page">2<' in second
    assert 'rel="prev"' in second


def test_pagination_keeps_filters(client: FlaskClient, make: Factory, app: Flask) -> None:
    for n in range(int(app.config["PAGE_SIZE"]) + 1):
        make.vacancy(title=f"Skills Role {n:02d}", themes=("skills",))
    html = client.get("/vacancies?theme=skills").get_data(as_text=True)
    assert re.search(r'href="/vacancies\?[^"]*page=2[^"]*"', html)
    link = re.search(r'href="(/vacancies\?[^"]*page=2[^"]*)"', html)
    assert link and "theme=skills" in link.group(1)


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999999999", "1.5", "9" * 5000])
def test_bad_page_numbers_are_clamped(client: FlaskClient, make: Factory, page: str) -> None:
    make.vacancy(title="Only Role")
    response = client.get(f"/vacancies?page={page}")
    assert response.status_code == 200
    assert titles(response.get_data(as_text=True)) == ["Only Role"]


def test_unknown_theme_gives_a_clear_message(client: FlaskClient, make: Factory) -> None:
    make.vacancy(title="Only Role")
    response = client.get("/vacancies?theme=nonsense&sector=bogus")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert "Select a theme from the list" in html
    assert "Select a sector or cluster from the list" in html
    assert titles(html) == ["Only Role"]


def test_overlong_search_gives_a_clear_message(client: FlaskClient) -> None:
    response = client.get("/vacancies?q=" + "x" * 500)
    assert response.status_code == 400
    assert "200 characters or fewer" in response.get_data(as_text=True)


def test_vacancy_page_shows_the_advert(client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy(
        title="Director of Trade and Investment",
        description="First paragraph.\n\nSecond paragraph.",
        essential=("Led inward investment",),
        desirable=("Speaks Mandarin",),
        contract_type="fixed-term",
        themes=("trade-investment",),
    )
    response = client.get(f"/vacancies/{vacancy.reference}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1" in html and "Director of Trade and Investment" in html
    assert '<p class="govuk-body">First paragraph.</p>' in html
    assert '<p class="govuk-body">Second paragraph.</p>' in html
    assert "Led inward investment" in html and "Speaks Mandarin" in html
    assert "Fixed term" in html
    assert "Nottingham (hybrid)" in html
    assert "£95,000 to £110,000" in html
    assert "Trade &amp; Investment" in html
    assert f'href="/vacancies/{vacancy.reference}/apply"' in html
    assert "This vacancy has closed" not in html


def test_closing_time_shown_in_uk_time_bst_and_gmt(
    client: FlaskClient, make: Factory, app: Flask
) -> None:
    summer = make.vacancy(title="Summer Role")
    winter = make.vacancy(title="Winter Role")
    year = datetime.now(UTC).year + 2
    set_closes_at(app, summer.id, datetime(year, 7, 1, 11, 0, tzinfo=UTC))
    set_closes_at(app, winter.id, datetime(year, 12, 1, 17, 30, tzinfo=UTC))
    summer_html = client.get(f"/vacancies/{summer.reference}").get_data(as_text=True)
    day = datetime(year, 7, 1).strftime("%A")
    assert f"midday on {day} 1 July {year} (BST)" in summer_html
    winter_html = client.get(f"/vacancies/{winter.reference}").get_data(as_text=True)
    day = datetime(year, 12, 1).strftime("%A")
    assert f"5:30pm on {day} 1 December {year} (GMT)" in winter_html


def test_draft_vacancy_is_not_found(client: FlaskClient, make: Factory) -> None:
    draft = make.vacancy(status=VacancyStatus.DRAFT)
    assert client.get(f"/vacancies/{draft.reference}").status_code == 404
    assert client.get("/vacancies/NO-SUCH-REF").status_code == 404


@pytest.mark.parametrize(
    ("status", "closes_in"),
    [(VacancyStatus.CLOSED, timedelta(days=3)), (VacancyStatus.PUBLISHED, timedelta(minutes=-5))],
)
def test_closed_vacancy_says_so(
    client: FlaskClient, make: Factory, status: VacancyStatus, closes_in: timedelta
) -> None:
    vacancy = make.vacancy(status=status, closes_in=closes_in)
    html = client.get(f"/vacancies/{vacancy.reference}").get_data(as_text=True)
    assert "This vacancy has closed" in html
    assert f'href="/vacancies/{vacancy.reference}/apply"' not in html
