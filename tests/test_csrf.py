"""CSRF: every state-changing route refuses a missing or wrong token; no GET changes state."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from testkit.factories import Factory
from testkit.forms import submit
from tests.support.rows import all_rows

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def sample_path(rule: Rule, ids: dict[str, Any]) -> str:
    """A concrete URL for `rule`, filling each argument with a sample value."""
    values = {arg: ids.get(arg, 1) for arg in rule.arguments}
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
    return path


def state_changing_rules(app: Flask) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if UNSAFE & (r.methods or set())]


def test_there_are_state_changing_routes_to_check(app: Flask) -> None:
    endpoints = {r.endpoint for r in state_changing_rules(app)}
    assert {"auth.login", "auth.logout", "auth.register"} <= endpoints


def test_every_unsafe_route_refuses_a_missing_or_wrong_token(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    user = make.recruiter()
    submit(client, "/login", {"email": user.email, "password": user.password})
    for rule in state_changing_rules(app):
        path = sample_path(rule, {})
        for token in (None, "forged-token"):
            data = {} if token is None else {"csrf_token": token}
            for method in sorted(UNSAFE & (rule.methods or set())):
                response = client.open(path, method=method, data=data)
                # The JSON API is CSRF-exempt because only a bearer token authenticates it:
                # the session cookie is refused there (401), with or without a CSRF token.
                expected = 401 if rule.endpoint.startswith("api_v1.") else 400
                # RFC 8058 one-click unsubscribe is exempt on purpose (a mail client posts it
                # with no session): its signed token is the credential, and none here is 410.
                if rule.endpoint == "portal.alert_unsubscribe":
                    expected = 410
                assert response.status_code == expected, (
                    f"{method} {path} answered {response.status_code}"
                )


def test_no_get_changes_state(app: Flask, client: FlaskClient, make: Factory) -> None:
    recruiter = make.recruiter()
    candidate = make.candidate()
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    application = make.application(candidate.id, vacancy.id)
    ids = {
        "vacancy_id": vacancy.id,
        "application_id": application.id,
        "reference": vacancy.reference,
    }
    for who in (None, candidate, recruiter):
        browser = app.test_client()
        if who is not None:
            submit(browser, "/login", {"email": who.email, "password": who.password})
        start = all_rows(app)
        for rule in app.url_map.iter_rules():
            if "GET" in (rule.methods or set()) and rule.endpoint != "static":
                browser.get(sample_path(rule, ids))
        assert all_rows(app) == start, f"a GET changed state (as {who and who.role})"


def test_a_form_field_name_ending_in_a_backslash_is_a_bad_request(client: FlaskClient) -> None:
    """Found by the fuzzer: the multipart parser yields no name for it, which crashed the CSRF
    check with a 500."""
    import io

    response = client.post(
        "/register",
        data={"name\\": "0", "file": (io.BytesIO(b"abc"), "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
