"""HTTP traffic as browsers send it, with a tally of every status code seen."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

import requests

from testkit.documents import pdf_bytes

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FRIENDLY_503 = "Sorry, the service is unavailable"
TIMEOUT = 40.0


@dataclass
class Tally:
    """Status codes seen, and the 5xx answers kept for the report."""

    codes: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    friendly_503: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, response: requests.Response, label: str) -> requests.Response:
        """Count one response."""
        self.count(response.status_code, response.text, label)
        return response

    def count(self, status: int, body: str, label: str) -> None:
        """Count one answer by its status code and body."""
        with self.lock:
            self.codes[status] += 1
            if status == 503 and FRIENDLY_503 in body:
                self.friendly_503 += 1
            if status >= 500 and status != 503:
                self.server_errors.append(f"{label}: {status}")

    @property
    def total(self) -> int:
        """Requests answered."""
        return sum(self.codes.values())

    @property
    def five_xx(self) -> int:
        """Answers of 500 and above (503 included)."""
        return sum(n for code, n in self.codes.items() if code >= 500)


class Browser:
    """One user's cookie jar against the site."""

    def __init__(self, base_url: str, tally: Tally) -> None:
        self.base = base_url
        self.tally = tally
        self.http = requests.Session()
        self.candidate_id = 0  # set by tests that log a candidate in

    def get(self, path: str) -> requests.Response:
        """GET a page."""
        return self.tally.add(self.http.get(self.base + path, timeout=TIMEOUT), f"GET {path}")

    def token(self, path: str) -> str | None:
        """The CSRF token on a page, or None if the page did not render a form."""
        page = self.get(path)
        match = CSRF_RE.search(page.text) if page.status_code == 200 else None
        return match.group(1) if match else None

    def post(
        self, path: str, data: dict[str, str], files: dict[str, object] | None = None
    ) -> requests.Response:
        """POST a form without following the redirect."""
        response = self.http.post(
            self.base + path, data=data, files=files, allow_redirects=False, timeout=TIMEOUT
        )
        return self.tally.add(response, f"POST {path}")

    def login(self, email: str, password: str) -> bool:
        """Log in through the form; True on success."""
        token = self.token("/login")
        if token is None:
            return False
        data = {"email": email, "password": password, "csrf_token": token}
        return self.post("/login", data).status_code == 302


def application_form(vacancy: SimpleNamespace, token: str, action: str) -> dict[str, str]:
    """A complete application for `vacancy`."""
    data = {"csrf_token": token, "action": action, "statement": "I lead regional programmes."}
    for criterion in vacancy.criteria:
        data[f"evidence_{criterion.id}"] = f"Evidence for {criterion.text}"
    return data


def cv_file() -> dict[str, object]:
    """A small real PDF, as the CV upload."""
    return {"cv": ("cv.pdf", pdf_bytes(), "application/pdf")}


def check_path(vacancy: SimpleNamespace) -> str:
    """The check-answers page, whose "Accept and send" POST is the submit."""
    return f"/vacancies/{vacancy.reference}/apply/check"


def send_form(token: str) -> dict[str, str]:
    """What "Accept and send" posts: the CSRF token and nothing else."""
    return {"csrf_token": token}


def apply(browser: Browser, vacancy: SimpleNamespace) -> requests.Response | None:
    """Apply as the pages lead a candidate: open the form, "Continue" with the answers and a CV
    (saved as a draft), then "Accept and send" on the check-answers page.

    The send's answer (302 to the confirmation when submitted); the first answer that is not
    the way on otherwise; None if the form did not open.
    """
    path = f"/vacancies/{vacancy.reference}/apply"
    token = browser.token(path)
    if token is None:
        return None
    saved = browser.post(path, application_form(vacancy, token, "continue"), cv_file())
    if saved.status_code != 302 or not saved.headers.get("Location", "").endswith(
        check_path(vacancy)
    ):
        return saved
    return browser.post(check_path(vacancy), send_form(token))
