"""The footer promises only what the service does (issue #10: no unbuilt data promises)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

# Each one is a promise of something not built yet: a retention job, a data-copy feature, a
# separate equal-opportunities form. Add it back to the footer when, and only when, it lands.
UNBUILT_PROMISES = [
    "six months",
    "then deleted",
    "copy of your data",
    "erased",
    "Equal-opportunities",
    "kept apart",
]


@pytest.mark.parametrize("path", ["/", "/vacancies", "/login"])
def test_the_footer_makes_no_promise_the_service_does_not_keep(
    client: FlaskClient, path: str
) -> None:
    html = client.get(path).get_data(as_text=True)
    footer = html[html.index('<footer class="me-footer">') :]
    assert "Your personal data" in footer and "UK GDPR" in footer
    for promise in UNBUILT_PROMISES:
        assert promise.lower() not in footer.lower(), promise


@pytest.mark.parametrize("path", ["/", "/vacancies", "/login", "/privacy", "/no-such-page"])
def test_the_footer_links_to_the_privacy_accessibility_and_cookies_pages(
    client: FlaskClient, path: str
) -> None:
    html = client.get(path).get_data(as_text=True)
    footer = html[html.index('<footer class="me-footer">') :]
    for href, text in (
        ("/privacy", "Privacy notice"),
        ("/accessibility", "Accessibility statement"),
        ("/cookies", "Cookies"),
    ):
        assert f'<a class="govuk-link" href="{href}">{text}</a>' in footer, href
        assert client.get(href).status_code == 200


def test_the_footer_states_no_figure_of_its_own(client: FlaskClient) -> None:
    # Retention and access figures live in one place, the privacy notice, which reads them
    # from the settings; a number in the footer could silently disagree with it.
    html = client.get("/").get_data(as_text=True)
    footer = html[html.index('<footer class="me-footer">') :]
    for period in ("month", "day", "week", "hour"):
        assert period not in footer.lower(), period
