"""Schemathesis against the OpenAPI document (issue #14): generated requests to every operation,
fitting the document and breaking it, public and with an admin's token, must never meet a server
error nor a response the document does not describe. Bounded: a fixed number of examples per
operation, mode and backend, with a fixed seed."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from recruit.models import TokenScope
from testkit.factories import Factory
from tests.conftest import AppFactory
from tests.support.access import ADMIN, People, World, build_world, make_people
from tests.support.api import bearer, issue_token

EXAMPLES = 30  # per operation and generation mode
PUBLIC_URL = "https://93.184.215.14/hooks"  # a public address, as the access matrix's endpoint


def realistic(app: Flask, world: World, case: Any, headers: dict[str, str]) -> dict[str, str]:
    """What no schema can state, made real in a positive case: an object that exists (so the
    writes do more than 404), its current ETag in If-Match (a made-up one is rightly 412), a
    fresh Idempotency-Key (a reused one with another body is rightly 422), and a closing time
    within the years a vacancy may close, scores against the vacancy's own criteria, and a
    webhook URL whose host is on the public internet (an address, so no DNS is asked)."""
    names = {p.name for p in case.operation.headers}
    extra: dict[str, str] = {}
    # Every positive case names the world's objects: a random id is only ever a 404.
    for name, value in world.path_values().items():
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = value
    if "Idempotency-Key" in names:
        extra["Idempotency-Key"] = uuid.uuid4().hex
    if "If-Match" in names:
        path = case.formatted_path.removesuffix("/publish").removesuffix("/close")
        path = path.removesuffix("/stage")
        current = app.test_client().get(path, headers=headers)
        if current.status_code == 200:
            extra["If-Match"] = current.headers["ETag"]
    if isinstance(case.body, dict) and "closes_at" in case.body:
        case.body["closes_at"] = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    if isinstance(case.body, dict) and "url" in case.body:
        # The document states the URL's shape; whether its host is public is the SSRF guard's
        # to say, at save time: a generated host is never found (a 422, rightly).
        case.body["url"] = PUBLIC_URL
    if isinstance(case.body, dict) and isinstance(case.body.get("scores"), list):
        # Scores name the vacancy's own criteria, each once.
        sent = case.body["scores"][: len(world.criterion_ids)]
        for item, criterion_id in zip(sent, world.criterion_ids, strict=False):
            item["criterion_id"] = criterion_id
        case.body["scores"] = sent
    return extra


def fuzz(
    app: Flask,
    people: People,
    world: World,
    operation: Any,
    mode: GenerationMode,
    excluded: list[Any],
    statuses: Counter[int],
) -> None:
    """EXAMPLES generated requests to one operation; every check but `excluded` must hold."""
    fixed = bearer(issue_token(app, people[ADMIN], TokenScope.WRITE)[1])
    positive = mode is GenerationMode.POSITIVE

    @seed(20261202)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=None if positive else fixed))
    def run(case: Any) -> None:
        headers = None
        if positive:
            headers = bearer(issue_token(app, people[ADMIN], TokenScope.WRITE)[1])
            headers.update(realistic(app, world, case, headers))
        # The suite's client reads each answer whole and closes it (a streamed download's open
        # file would otherwise outlive the request, and warnings are errors).
        client = app.test_client()
        response = case.call_and_validate(session=client, headers=headers, excluded_checks=excluded)
        statuses[response.status_code] += 1

    try:
        run()
    except Unsatisfiable:
        # Nothing in this operation can be made invalid (a free-text path segment, say).
        assert not positive, f"no valid request to {operation.method} {operation.path}"


# 30 operations x 2 modes x 30 examples: longer than the default 300 s on a busy machine.
@pytest.mark.timeout(1200)
def test_the_api_matches_its_document(app_factory: AppFactory, backend: str) -> None:
    app = app_factory(RATELIMIT_ENABLED=False)
    make = Factory(app)
    people = make_people(make)
    world = build_world(app, make, people)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    statuses: Counter[int] = Counter()
    operations = [cast(Any, result).ok() for result in schema.get_all_operations()]
    # Deletions last: the first positive DELETE removes the world's object, and the operations
    # on it that came after would otherwise meet only 404s.
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
    for operation in operations:
        # A cursor is opaque and signed: no schema can say which strings are real ones, so a
        # schema-valid cursor may rightly be refused (400). Every other check still runs.
        names = {p.name for p in operation.query}
        excluded = [positive_data_acceptance] if "cursor" in names else []
        # Positive cases get a fresh token each (one operation revokes the token it is sent
        # with); negative ones a fixed header, which schemathesis then knows it may not break.
        fuzz(app, people, world, operation, GenerationMode.POSITIVE, excluded, statuses)
        # Only parameters can be broken: with the header fixed, nothing else is left to break.
        if names or list(operation.path_parameters):
            fuzz(app, people, world, operation, GenerationMode.NEGATIVE, excluded, statuses)
    total = sum(statuses.values())
    print(
        f"\nschemathesis ({backend}): {len(operations)} operations, {total} requests, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    assert len(operations) >= 9 and total >= len(operations) * 2
    assert not any(status >= 500 for status in statuses)
