"""Public pages: the home page, the vacancy list and a vacancy's advert."""

from __future__ import annotations

import time

from flask import abort, current_app, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.portal.blueprint import bp
from recruit.portal.forms import VacancyFilterForm
from recruit.services import applications, vacancy_search
from recruit.services.vacancy_search import VacancyQuery
from recruit.taxonomy import THEMES
from recruit.web import page_cache

View = str | tuple[str, int] | Response


@bp.route("/")
def index() -> str:
    """Home page: what the service is, and ways into the vacancies."""
    return render_template("portal/index.html", themes=THEMES)


def _page_number(raw: str | None) -> int:
    """The requested page; anything that is not a positive whole number means page 1."""
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return max(number, 1)


# The list's own query arguments: the only ones that change the page, so the cache key.
LIST_ARGS = ("q", "theme", "sector")


@bp.route("/vacancies")
def vacancies() -> View:
    """Open vacancies, filtered by theme and sector, searched by keyword, soonest closing first.

    A visitor with no session gets the page from this process's cache (recruit.web.page_cache);
    a signed-in page shows who is signed in, so it is rendered for each request and never kept.
    """
    if not page_cache.anonymous_visitor():
        return _vacancy_list(cacheable=False).answer()
    # The first value of each, as the form reads it; an absent argument differs from an empty one.
    given = tuple(request.args.get(name, "\0") for name in LIST_ARGS)
    number = str(_page_number(request.args.get("page")))
    return page_cache.serve(("vacancies", *given, number), lambda: _vacancy_list(cacheable=True))


def _vacancy_list(cacheable: bool) -> page_cache.Rendered:
    # The next closing time is read before the list, so no vacancy can close in between unseen.
    remaining = vacancy_search.seconds_to_next_closing() if cacheable else None
    expires = None if remaining is None else time.monotonic() + remaining
    form = VacancyFilterForm(formdata=request.args)
    valid = form.validate()
    query = VacancyQuery(
        text=form.valid_value("q"),
        theme=form.valid_value("theme"),
        sector=form.valid_value("sector"),
    )
    page = vacancy_search.search(
        query, _page_number(request.args.get("page")), int(current_app.config["PAGE_SIZE"])
    )
    chosen = (("q", query.text), ("theme", query.theme), ("sector", query.sector))
    filters = {name: value for name, value in chosen if value}
    html = render_template("portal/vacancies.html", form=form, page=page, filters=filters)
    return page_cache.Rendered(html, 200 if valid else 400, expires)


@bp.route("/vacancies/<reference>")
def vacancy(reference: str) -> str:
    """A vacancy's advert; drafts do not exist as far as the public knows."""
    found = vacancy_search.find_public(reference)
    if found is None:
        abort(404)
    advert, is_open = found
    existing = None
    if current_user.is_authenticated and not current_user.is_staff:
        existing = applications.find_for_vacancy(advert.id, current_user.id)
    return render_template(
        "portal/vacancy.html", vacancy=advert, is_open=is_open, application=existing
    )
