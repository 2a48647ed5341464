"""Equality Act 2010 s.60: the application form asks no health or disability question except
the two the Act allows here, the adjustments box and the guaranteed interview opt-in.

A field added to any of the portal's application forms, or a label, legend or hint added to
the rendered apply page, with one of the health words below fails here unless it is one of
those two fields (known by name).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from wtforms import StringField

from recruit.extensions import db
from recruit.models import Vacancy
from recruit.portal import forms

HEALTH_WORDS = (
    "health",
    "disability",
    "disabled",
    "medical",
    "illness",
    "condition",
    "impairment",
    "sickness",
    "mental",
    "diagnosis",
)
HEALTH_RE = re.compile(r"\b(" + "|".join(HEALTH_WORDS) + r")", re.IGNORECASE)
ALLOWED = frozenset({forms.ADJUSTMENTS_FIELD, forms.OPT_IN_FIELD})


def health_questions(form: FlaskForm) -> list[str]:
    """Fields outside ALLOWED whose name, label or hint holds a health word."""
    found = []
    for field in form:
        text = " ".join([field.name, str(field.label.text), str(field.description or "")])
        if field.name not in ALLOWED and HEALTH_RE.search(text):
            found.append(field.name)
    return found


def portal_forms(vacancy: Vacancy) -> list[FlaskForm]:
    """Every form a candidate fills in on the way to, and after, applying."""
    return [
        forms.application_form(vacancy, formdata=None),
        forms.AdjustmentRequestForm(formdata=None),
        forms.WithdrawForm(formdata=None),
    ]


def test_no_application_form_field_asks_about_health_but_the_two_opt_ins(
    app: Flask, vacancy: SimpleNamespace
) -> None:
    with app.test_request_context():
        found = db.session.get(Vacancy, vacancy.id)
        assert found is not None
        checked = portal_forms(found)
        names = {field.name for form in checked for field in form}
        assert names >= ALLOWED, "the two allowed questions are on the forms"
        assert [name for form in checked for name in health_questions(form)] == []


def test_the_check_catches_a_health_question(app: Flask) -> None:
    """A question like this must never reach the form: the check above would fail on it."""

    class WithAQuestion(FlaskForm):  # type: ignore[misc]
        conditions = StringField("Do you have a long-term condition we should know about?")
        notes = StringField("Anything else", description="For example, your medical history")

    with app.test_request_context():
        assert health_questions(WithAQuestion(formdata=None)) == ["conditions", "notes"]


class Questions(HTMLParser):
    """The text of every label, legend and hint on a page, with the field id each belongs to."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (field id or "", text)
        self.names: list[str] = []
        self._open: list[tuple[str, str]] = []  # (tag, field id)
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Start collecting at a label, legend or hint; note every form control's name."""
        values = {k: v or "" for k, v in attrs}
        if tag in ("input", "textarea", "select") and values.get("type") != "hidden":
            self.names.append(values.get("name", ""))
        hint = "govuk-hint" in values.get("class", "").split()
        if tag in ("label", "legend") or (tag == "div" and hint):
            owner = values.get("for", "") or values.get("id", "").removesuffix("-hint")
            self._open.append((tag, owner))
            self._text = []

    def handle_data(self, data: str) -> None:
        """Text inside the element being collected."""
        if self._open:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        """Keep the collected text when its element closes."""
        if self._open and self._open[-1][0] == tag:
            _, owner = self._open.pop()
            self.found.append((owner, " ".join("".join(self._text).split())))


def test_the_rendered_apply_page_asks_no_other_health_question(
    client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    page = client.get(f"/vacancies/{vacancy.reference}/apply")
    assert page.status_code == 200
    parsed = Questions()
    parsed.feed(page.get_data(as_text=True))
    owners = {owner for owner, _ in parsed.found}
    assert owners >= ALLOWED, "the page shows both allowed questions"
    flagged = [(o, t) for o, t in parsed.found if HEALTH_RE.search(t) and o not in ALLOWED]
    assert flagged == []
    assert [n for n in parsed.names if HEALTH_RE.search(n) and n not in ALLOWED] == []
    # The two allowed questions are the ones that talk about it, so the check has teeth.
    assert any(HEALTH_RE.search(t) for o, t in parsed.found if o == forms.OPT_IN_FIELD)
