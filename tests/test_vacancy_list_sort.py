"""The vacancy list's sort control, dividers and collapsible filters (issue #13), and the
anonymous page cache keeping each order apart."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from recruit.extensions import db
from recruit.models import Vacancy, utcnow
from recruit.services.vacancy_search import salary_figures
from testkit.factories import Factory
from testkit.statements import listening
from tests.conftest import AppFactory
from tests.support.worker import redis_settings


def titles(html: str) -> list[str]:
    """Vacancy titles in the order the list shows them."""
    return re.findall(r'<a class="govuk-link" href="/vacancies/[^"]+">([^<]+)</a>', html)


def published_ago(app: Flask, vacancy_id: int, days: int) -> None:
    """Say the vacancy was published `days` ago."""
    with app.app_context():
        db.session.execute(
            update(Vacancy)
            .where(Vacancy.id == vacancy_id)
            .values(published_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()


@pytest.fixture
def three(app: Flask, make: Factory) -> None:
    """Closing soonest: A, B, C. Newest: C, A, B. Highest salary: B, A; then C (no amount)."""
    a = make.vacancy(title="Alpha", closes_in=timedelta(days=2), salary_band="£85k to £95k")
    b = make.vacancy(title="Bravo", closes_in=timedelta(days=4), salary_band="£110,000 to £125,000")
    c = make.vacancy(title="Charlie", closes_in=timedelta(days=6), salary_band="Competitive")
    published_ago(app, a.id, 2)
    published_ago(app, b.id, 5)
    published_ago(app, c.id, 1)


@pytest.mark.usefixtures("three")
@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ["Alpha", "Bravo", "Charlie"]),
        ("closing", ["Alpha", "Bravo", "Charlie"]),
        ("newest", ["Charlie", "Alpha", "Bravo"]),
        ("salary", ["Bravo", "Alpha", "Charlie"]),
    ],
)
def test_each_sort_orders_the_list(client: FlaskClient, sort: str, order: list[str]) -> None:
    response = client.get(f"/vacancies?sort={sort}" if sort else "/vacancies")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert titles(html) == order
    chosen = sort or "closing"
    assert re.search(rf'<option selected value="{chosen}">', html)
    assert "We could not sort by that" not in html


@pytest.mark.usefixtures("three")
@pytest.mark.parametrize("bad", ["salary;drop", "SALARY", "\u202enewest", "x" * 300])
def test_an_unknown_sort_falls_back_to_closing_soonest_and_says_so(
    client: FlaskClient, bad: str
) -> None:
    response = client.get("/vacancies", query_string={"sort": bad})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert titles(html) == ["Alpha", "Bravo", "Charlie"]
    assert "We could not sort by that, so the vacancies are sorted by closing soonest." in html
    assert '<option selected value="closing">' in html


def test_the_sort_control_is_a_get_form_that_keeps_the_filters(
    client: FlaskClient, make: Factory
) -> None:
    make.vacancy(title="Head of Skills", themes=("skills",))
    html = client.get("/vacancies?theme=skills&q=head").get_data(as_text=True)
    sort_form = re.search(r'<form method="get"[^>]*class="app-sort".*?</form>', html, re.S)
    assert sort_form is not None
    form = sort_form.group(0)
    assert '<input type="hidden" name="theme" value="skills">' in form
    assert '<input type="hidden" name="q" value="head">' in form
    assert '<label class="govuk-label" for="sort">Sort by</label>' in form
    assert ">Sort</button>" in form, "works without JavaScript: a button submits it"
    # The filters keep a chosen order; the pages of results keep both.
    sorted_page = client.get("/vacancies?theme=skills&sort=newest").get_data(as_text=True)
    assert '<input type="hidden" name="sort" value="newest">' in sorted_page


def test_pagination_keeps_the_order(app: Flask, client: FlaskClient, make: Factory) -> None:
    app.config["PAGE_SIZE"] = 1
    make.vacancy(title="Cheap", salary_band="£80,000", closes_in=timedelta(days=1))
    make.vacancy(title="Dear", salary_band="£150,000", closes_in=timedelta(days=2))
    first = client.get("/vacancies?sort=salary").get_data(as_text=True)
    assert titles(first) == ["Dear"]
    link = re.search(r'href="(/vacancies\?[^"]*page=2[^"]*)"', first)
    assert link is not None and "sort=salary" in link.group(1)
    second = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert titles(second) == ["Cheap"]


def test_results_are_divided_and_filters_are_a_disclosure(
    client: FlaskClient, make: Factory
) -> None:
    for n in range(3):
        make.vacancy(title=f"Role {n}", closes_in=timedelta(days=n + 1))
    html = client.get("/vacancies").get_data(as_text=True)
    divider = '<hr class="govuk-section-break govuk-section-break--m govuk-section-break--visible">'
    assert html.count(divider) == 2, "a section break between results, none after the last"
    details = re.search(r'<details class="govuk-details app-filters"( open)?>', html)
    assert details is not None and details.group(1) is None, "closed on phones when unfiltered"
    assert '<summary class="govuk-details__summary app-filters__summary">' in html
    filtered = client.get("/vacancies?theme=skills").get_data(as_text=True)
    assert '<details class="govuk-details app-filters" open>' in filtered
    assert "Filter vacancies (1 in use)" in filtered


@pytest.mark.parametrize(
    ("band", "figures"),
    [
        ("£110,000 to £125,000", (Decimal(125000), Decimal(110000))),
        ("£85k - £92.5k", (Decimal(92500), Decimal(85000))),
        ("95000", (Decimal(95000), Decimal(95000))),
        ("Competitive", None),
        ("Grade 7, 4 days a week", None),
        ("", None),
        ("٣٠٠٠٠", None),
    ],
)
def test_salary_figures_read_from_the_band(
    band: str, figures: tuple[Decimal, Decimal] | None
) -> None:
    assert salary_figures(band) == figures


def statements_for(app: Flask, client: FlaskClient, url: str) -> int:
    """How many SQL statements one uncached page costs."""
    seen: list[str] = []
    with listening(app, seen.append):
        assert client.get(url).status_code == 200
    return len(seen)


def test_every_order_costs_the_same_few_statements_at_any_size(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    make.vacancy(title="First")
    small = {s: statements_for(app, client, f"/vacancies?sort={s}") for s in ("closing", "salary")}
    for n in range(15):
        make.vacancy(title=f"More {n}", salary_band=f"£{90 + n},000")
    for sort in ("closing", "newest", "salary"):
        cost = statements_for(app, client, f"/vacancies?sort={sort}")
        assert cost == small["closing"], f"{sort} costs {cost} statements"
    assert small["salary"] == small["closing"]


@pytest.fixture
def cached_app(app_factory: AppFactory) -> Iterator[Flask]:
    """The app on the test Redis (so the anonymous page cache is on), with its own version key."""
    with redis_settings() as settings:
        yield app_factory(**settings, PAGE_CACHE_PREFIX=f"test:{uuid.uuid4().hex}:page:")


def test_the_page_cache_keeps_each_order_apart_and_still_answers_304(
    cached_app: Flask,
) -> None:
    make = Factory(cached_app)
    make.vacancy(title="Soon", salary_band="£80,000", closes_in=timedelta(days=1))
    make.vacancy(title="Rich", salary_band="£150,000", closes_in=timedelta(days=9))

    def anonymous(path: str) -> tuple[list[str], str]:
        response = cached_app.test_client().get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
        return titles(response.get_data(as_text=True)), response.headers["ETag"]

    closing, closing_tag = anonymous("/vacancies?sort=closing")
    salary, salary_tag = anonymous("/vacancies?sort=salary")
    assert (closing, salary) == (["Soon", "Rich"], ["Rich", "Soon"])
    assert closing_tag != salary_tag
    statements: list[str] = []
    with listening(cached_app, statements.append):
        assert anonymous("/vacancies?sort=closing") == (closing, closing_tag)
        assert anonymous("/vacancies?sort=salary") == (salary, salary_tag)
    assert statements == [], "both orders served from the cache, neither mixed with the other"
    for path, tag in (("/vacancies?sort=salary", salary_tag), ("/vacancies?sort=closing", "x")):
        again = cached_app.test_client().get(path, headers={"If-None-Match": tag})
        assert again.status_code == (304 if tag == salary_tag else 200)
