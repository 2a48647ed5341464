"""The key pages each role sees, by name and path, for the width and axe sweeps."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser import steps
from tests.browser.audit import Audit
from tests.browser.world import World

# Recruiters see a subset of an admin's pages (the recruiter journey audits theirs as a recruiter).
ROLES = ["anonymous", "candidate", "admin", "panel"]


def key_pages(world: World, role: str) -> list[tuple[str, str]]:
    """(name, path) of the pages that matter most to `role`."""
    vacancy, other = world.vacancy, world.other_vacancy
    app_id, vid = world.application.id, vacancy.id
    public = [
        ("home", "/"),
        ("vacancies", "/vacancies"),
        ("vacancy", f"/vacancies/{vacancy.reference}"),
    ]
    staff = [
        ("admin dashboard", "/admin/"),
        ("admin vacancies", "/admin/vacancies"),
        ("admin vacancy", f"/admin/vacancies/{vid}"),
        ("board", f"/admin/vacancies/{vid}/board"),
        ("list view", f"/admin/vacancies/{vid}/applications"),
        ("all applications", "/admin/applications"),
        ("application (staff)", f"/admin/applications/{app_id}"),
        ("agreed scores", f"/admin/applications/{app_id}/moderate"),
        ("exports", f"/admin/vacancies/{vid}/exports"),
        ("export", f"/admin/exports/{world.export.id}"),
    ]
    pages = {
        "anonymous": [*public, ("login", "/login"), ("register", "/register")],
        "candidate": [
            *public,
            ("my applications", "/applications"),
            ("application", f"/applications/{app_id}"),
            ("apply", f"/vacancies/{other.reference}/apply"),
        ],
        "recruiter": staff,
        "admin": [*staff, ("tokens", "/admin/tokens")],
        "panel": [
            ("panel dashboard", "/admin/"),
            ("application (panel)", f"/admin/applications/{app_id}"),
            ("board (panel)", f"/admin/vacancies/{vid}/board"),
            ("score (submitted)", f"/admin/applications/{app_id}/score"),
        ],
    }
    return pages[role]


def visit_key_pages(page: Page, world: World, role: str, audit: Audit, axe: bool) -> None:
    """Log in as `role`, then open each key page and check it."""
    person = world.login_for(role)
    if person is not None:
        steps.log_in(page, person.email, person.password)
    for name, path in key_pages(world, role):
        response = page.goto(path)
        assert response is not None and response.status < 400, f"{name} ({path}): {response}"
        audit.check(page, name, axe=axe)
