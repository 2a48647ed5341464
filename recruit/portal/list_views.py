"""The public vacancy list: filtered, searched, sorted and paged, cached for anonymous visitors."""

from __future__ import annotations

import time

from flask import current_app, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.portal.blueprint import bp
from recruit.portal.vacancy_list_forms import UNKNOWN_SORT, VacancyListForm
from recruit.services import vacancy_search
from recruit.services.vacancy_search import DEFAULT_SORT, VacancyQuery
from recruit.web import page_cache

View = str | tuple[str, int] | Response

# The list's own query arguments: the only ones that change the page, so the cache key.
LIST_ARGS = ("q", "theme", "sector", "sort")


def _page_number(raw: str | None) -> int:
    """The requested page; anything that is not a positive whole number means page 1."""
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return max(number, 1)


@bp.route("/vacancies")
def vacancies() -> View:
    """Open vacancies, filtered by theme and sector, searched by keyword, in the chosen order.

    A visitor with no session gets the page from this process's cache (recruit.web.page_cache),
    keyed by every list argument (the order too); a signed-in page shows who is signed in, so
    it is rendered for each request and never kept.
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
    form = VacancyListForm(formdata=request.args)
    valid = form.validate()
    query = VacancyQuery(
        text=form.valid_value("q"),
        theme=form.valid_value("theme"),
        sector=form.valid_value("sector"),
    )
    sort, refused = form.chosen_sort(), form.sort_refused()
    form.sort.data = sort  # the control shows the order the list is in
    page = vacancy_search.search(
        query, _page_number(request.args.get("page")), int(current_app.config["PAGE_SIZE"]), sort
    )
    chosen = (("q", query.text), ("theme", query.theme), ("sector", query.sector))
    filters = {name: value for name, value in chosen if value}
    # What every link on the page keeps: the filters, and the order unless it is the default.
    keep = {**filters, **({"sort": sort} if sort != DEFAULT_SORT else {})}
    html = render_template(
        "portal/vacancies.html",
        form=form,
        page=page,
        filters=keep,
        chosen=filters,
        sort=sort,
        sort_notice=UNKNOWN_SORT if refused else "",
        may_save_alert=current_user.is_authenticated and not current_user.is_staff,
    )
    return page_cache.Rendered(html, 200 if valid else 400, expires)
