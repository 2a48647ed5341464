"""Behind nginx, a submit is judged when nginx had the whole request: its arrival stamp.

The stamp (X-Request-Start: t=<epoch seconds>) is believed only from ARRIVAL_STAMP_PROXIES,
judged by the peer that really connected, never by an address a client forwards.
"""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recruit import create_app
from recruit.models import ApplicationStatus
from testkit.documents import pdf_bytes
from testkit.factories import Factory
from tests.conftest import AppFactory
from tests.support.accounts import log_in
from tests.support.portal import answers, post_apply, set_closed, skills_vacancy
from tests.support.rows import only_application

NGINX = "127.0.0.1"
ELSEWHERE = "203.0.113.9"


def stamp(seconds_ago: float) -> str:
    """What nginx sends: `t=` and its ${msec}."""
    return f"t={time.time() - seconds_ago:.3f}"


def draft_then_close(
    app_factory: AppFactory, peer: str, **settings: object
) -> tuple[Flask, FlaskClient, SimpleNamespace]:
    """A candidate connected from `peer` with a complete draft, on a vacancy closed 2 s ago."""
    app = app_factory(**settings)
    make = Factory(app)
    vacancy = skills_vacancy(make)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = peer
    client.environ_base["HTTP_X_FORWARDED_FOR"] = NGINX  # what a client may claim: ignored
    log_in(client, make.candidate())
    post_apply(client, vacancy, "draft", answers(vacancy), cv=(pdf_bytes(), "cv.pdf"))
    set_closed(app, vacancy.id, ago=timedelta(seconds=2))
    return app, client, vacancy


def submit_stamped(client: FlaskClient, vacancy: SimpleNamespace, value: str) -> int:
    """Submit with this X-Request-Start value; the status code."""
    client.environ_base["HTTP_X_REQUEST_START"] = value
    try:
        return post_apply(client, vacancy, "submit", answers(vacancy)).status_code
    finally:
        del client.environ_base["HTTP_X_REQUEST_START"]


def test_a_submit_nginx_received_before_closing_is_accepted(app_factory: AppFactory) -> None:
    app, client, vacancy = draft_then_close(app_factory, NGINX, ARRIVAL_STAMP_PROXIES=NGINX)
    assert submit_stamped(client, vacancy, stamp(seconds_ago=6)) == 302
    submitted = only_application(app)
    assert submitted.status is ApplicationStatus.SUBMITTED
    assert submitted.submitted_at is not None


def test_a_stamp_from_the_future_never_makes_a_late_submit_on_time(
    app_factory: AppFactory,
) -> None:
    app, client, vacancy = draft_then_close(app_factory, NGINX, ARRIVAL_STAMP_PROXIES=NGINX)
    assert submit_stamped(client, vacancy, stamp(seconds_ago=-60)) == 400
    assert only_application(app).status is ApplicationStatus.DRAFT


@pytest.mark.parametrize(
    ("peer", "settings"),
    [
        pytest.param(ELSEWHERE, {"ARRIVAL_STAMP_PROXIES": NGINX}, id="peer not the proxy"),
        pytest.param(NGINX, {}, id="no proxy configured"),
        pytest.param(
            ELSEWHERE,
            {"ARRIVAL_STAMP_PROXIES": NGINX, "TRUSTED_PROXIES": 1},
            id="forwarded-for names the proxy",
        ),
    ],
)
def test_a_client_cannot_set_its_own_receipt(
    app_factory: AppFactory, peer: str, settings: dict[str, object]
) -> None:
    app, client, vacancy = draft_then_close(app_factory, peer, **settings)
    response_code = submit_stamped(client, vacancy, stamp(seconds_ago=6))
    assert response_code == 400
    assert only_application(app).status is ApplicationStatus.DRAFT


@pytest.mark.parametrize(
    "value",
    [
        "t=１７００００００００.000",  # fullwidth digits
        "t=-5",
        "t=1e9",
        "1700000000.000",
        "t=" + "9" * 40,
        "t=1700000000.000, t=1",
    ],
)
def test_a_malformed_stamp_is_ignored(app_factory: AppFactory, value: str) -> None:
    app, client, vacancy = draft_then_close(app_factory, NGINX, ARRIVAL_STAMP_PROXIES=NGINX)
    assert submit_stamped(client, vacancy, value) == 400
    assert only_application(app).status is ApplicationStatus.DRAFT


@pytest.mark.parametrize("setting", ["nginx", "127.0.0.1/40", "10.0.0.1;10.0.0.2"])
def test_a_wrong_proxy_setting_stops_the_app(app_config: dict[str, Any], setting: str) -> None:
    with pytest.raises(ValueError, match="ARRIVAL_STAMP_PROXIES"):
        create_app({**app_config, "ARRIVAL_STAMP_PROXIES": setting})
