"""Public pages: the home page and a vacancy's advert (the list is in `list_views`)."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from recruit.portal.blueprint import bp
from recruit.portal.job_posting import job_posting
from recruit.services import applications, vacancy_search
from recruit.taxonomy import THEMES

View = str | tuple[str, int] | Response


@bp.route("/")
def index() -> str:
    """Home page: what the service is, and ways into the vacancies."""
    return render_template("portal/index.html", themes=THEMES)


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
        "portal/vacancy.html",
        vacancy=advert,
        is_open=is_open,
        application=existing,
        # Search engines are told only of vacancies still open (an expired posting is removed).
        posting=job_posting(advert) if is_open else None,
    )
