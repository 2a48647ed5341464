"""Following emailed links the way a browser does: the link, its 303, then the clean page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient

from recruit.models import OutboxMessage

BASE_URL = "http://recruit.test"


def link_url(row: OutboxMessage, key: str) -> str:
    """The link an email carries, checked to use the configured base URL."""
    url = str(row.payload[key])
    assert url.startswith(BASE_URL + "/"), "links use the configured base URL"
    return url


def token_of(url: str) -> str:
    """The token in a link's query string."""
    [token] = parse_qs(urlsplit(url).query)["token"]
    return token


def link_token(row: OutboxMessage, key: str) -> str:
    """The token of the link stored in an outbox payload."""
    return token_of(link_url(row, key))


def relative(url: str) -> str:
    """A link's path and query, as the test client wants it."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def open_link(client: FlaskClient, url: str) -> str:
    """GET an emailed link as a browser would; return the token-free page it redirects to."""
    response = client.get(relative(url))
    assert response.status_code == 303, f"{url} answered {response.status_code}"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    assert "?" not in location and token_of(url) not in location
    return location
