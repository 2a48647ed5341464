"""Word limits on the statement and every evidence box, counted on the server as GOV.UK's live
counter counts them in the browser; and the CV upload that names the current CV."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient

from recruit.models import StoredFile
from recruit.portal.forms import EVIDENCE_WORD_LIMIT
from recruit.services.applications import word_count
from testkit.documents import pdf_bytes
from tests.support.portal import answers, post_apply
from tests.support.rows import only_application, rows


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", 0),
        ("  \n\t ", 0),
        ("one", 1),
        ("naïve café", 2),  # letters beyond ASCII are part of words
        ("one\u00a0two", 2),  # no-break space
        ("one\u3000two\u2003three", 3),  # ideographic and em spaces
        ("one\u2028two\u2029three", 3),  # line and paragraph separators
        ("one\ufefftwo", 2),  # the byte order mark is a space to JavaScript's \s
        ("one\u200btwo", 1),  # a zero-width space is not, to either side
        ("漢字 かな", 2),
        ("well-known, e.g. this", 3),
        ("🙂 🙂", 2),
    ],
)
def test_words_are_counted_as_the_live_counter_counts_them(text: str, words: int) -> None:
    # GOV.UK Frontend's character count: text.match(/\S+/g).length
    assert word_count(text) == words


def test_every_evidence_box_has_a_live_word_counter_with_the_limit(
    client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    html = client.get(f"/vacancies/{vacancy.reference}/apply").get_data(as_text=True)
    for criterion in vacancy.criteria:
        field = f"evidence_{criterion.id}"
        group = re.search(
            rf'<div class="govuk-form-group govuk-character-count"\s+'
            rf'data-module="govuk-character-count" data-maxwords="(\d+)">\s*'
            rf'<label class="govuk-label govuk-label--s" for="{field}">',
            html,
        )
        assert group is not None and int(group.group(1)) == EVIDENCE_WORD_LIMIT, field
        assert f'id="{field}-info"' in html
    assert 'data-maxwords="20"' in html  # the statement, at the vacancy's own limit


def test_evidence_over_the_limit_is_refused_with_a_clear_message(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    first = vacancy.criteria[0]
    exact = " ".join(["word"] * EVIDENCE_WORD_LIMIT)
    ok = post_apply(client, vacancy, "draft", answers(vacancy, **{f"evidence_{first.id}": exact}))
    assert ok.status_code == 302
    # One more word, joined by a no-break space: still a word apart, to the counter and to us.
    over = exact + "\u00a0more"
    response = post_apply(
        client, vacancy, "continue", answers(vacancy, **{f"evidence_{first.id}": over})
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    message = (
        f"Your evidence for \u201c{first.text}\u201d must be {EVIDENCE_WORD_LIMIT} words or "
        f"fewer. You have written {EVIDENCE_WORD_LIMIT + 1} words"
    )
    assert f'<a href="#evidence_{first.id}">{message}</a>' in html.replace("&#34;", '"')
    assert only_application(app).evidence_for(first.id) == exact  # the saved draft is kept


def test_the_statement_limit_counts_unicode_spaces(
    client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    over = "\u3000".join(["word"] * 21)  # the vacancy allows 20
    response = post_apply(client, vacancy, "draft", {"statement": over})
    assert response.status_code == 400
    assert "Supporting statement must be 20 words or fewer" in response.get_data(as_text=True)


def test_the_upload_names_the_current_cv_and_a_new_one_replaces_it(
    app: Flask, client: FlaskClient, candidate: SimpleNamespace, vacancy: SimpleNamespace
) -> None:
    url = f"/vacancies/{vacancy.reference}/apply"
    empty = client.get(url).get_data(as_text=True)
    assert 'class="govuk-drop-zone" data-module="govuk-file-upload"' in empty
    assert "Current file:" not in empty
    post_apply(client, vacancy, "draft", {"statement": "x"}, cv=(pdf_bytes("one"), "First CV.pdf"))
    html = client.get(url).get_data(as_text=True)
    assert "Current file: <strong>First CV.pdf</strong>" in html
    assert 'aria-describedby="cv-hint cv-current"' in html
    post_apply(client, vacancy, "draft", {"statement": "x"}, cv=(pdf_bytes("two"), "Second.pdf"))
    assert "Current file: <strong>Second.pdf</strong>" in client.get(url).get_data(as_text=True)
    assert [f.original_name for f in rows(app, StoredFile)] == ["Second.pdf"]
    assert only_application(app).cv_file is not None
