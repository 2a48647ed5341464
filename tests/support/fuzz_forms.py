"""The forms a page really offers, so the fuzzer can send them whole with a few fields changed.

Random subsets of the site's field names rarely get past a form's first checks; a real form
with one or two values swapped reaches the deep ones (a date needs its day, month and year).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter

FormData = dict[str, str | list[str]]


@dataclass
class PageForm:
    """One POST form: where it goes and the values a browser would send unchanged."""

    action: str
    values: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, value: str) -> None:
        """Record one value the browser would send for `name`."""
        self.values.setdefault(name, []).append(value)

    def data(self) -> FormData:
        """The form as request data: one value, or a list for repeated names."""
        return {k: v[0] if len(v) == 1 else list(v) for k, v in self.values.items()}


class FormParser(HTMLParser):
    """Collects the POST forms of a page with their default values."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self.current: PageForm | None = None
        self.select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self.textarea: tuple[str, list[str]] | None = None
        self.radios: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open forms, and note inputs, selects, options and textareas inside them."""
        found = {k: v or "" for k, v in attrs}
        if tag == "form" and found.get("method", "get").lower() == "post":
            self.current, self.radios = PageForm(found.get("action") or self.page_url), set()
        elif self.current is None:
            return
        elif tag == "option" and self.select is not None:
            self.select[1].append(found.get("value", ""))
            if "selected" in found:
                self.select[2].append(found.get("value", ""))
        elif not found.get("name"):
            return
        elif tag == "input":
            self._input(found)
        elif tag == "select":
            self.select = (found["name"], [], [])
        elif tag == "textarea":
            self.textarea = (found["name"], [])

    def _input(self, found: dict[str, str]) -> None:
        assert self.current is not None
        kind, name = found.get("type", "text").lower(), found["name"]
        if kind in ("submit", "button", "file", "image", "reset"):
            return
        if kind == "checkbox" and "checked" not in found:
            return
        if kind == "radio":  # the checked one, else the first offered
            if name in self.radios and "checked" not in found:
                return
            self.current.values.pop(name, None)
            self.radios.add(name)
        self.current.add(name, found.get("value", "on" if kind == "checkbox" else ""))

    def handle_data(self, data: str) -> None:
        """Text inside a textarea is its value."""
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        """Close selects, textareas and forms."""
        if tag == "select" and self.select is not None and self.current is not None:
            name, offered, chosen = self.select
            for value in chosen or offered[:1]:
                self.current.add(name, value)
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.current is not None:
            self.current.add(self.textarea[0], "".join(self.textarea[1]).removeprefix("\n"))
            self.textarea = None
        elif tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None


def post_forms(html: str, page_url: str, adapter: MapAdapter) -> list[tuple[str, FormData]]:
    """(endpoint, data) for every POST form on the page whose action is one of our routes."""
    parser = FormParser(page_url)
    parser.feed(html)
    found = []
    for form in parser.forms:
        try:
            endpoint, _ = adapter.match(urlsplit(form.action).path, method="POST")
        except HTTPException:  # not ours, or not a POST route (RequestRedirect is one too)
            continue
        data = form.data()
        data.pop("csrf_token", None)  # the fuzzer decides when to send the token
        found.append((str(endpoint), data))
    return found


def complete(forms: dict[str, list[FormData]]) -> dict[str, list[FormData]]:
    """Each form with its empty fields filled from another form's value for the same name.

    The new-vacancy form comes empty; the edit form shows a whole vacancy. Filled in, the new
    form gets past "Enter a title" to the checks that read its day, month and year together.
    """
    examples: dict[str, str | list[str]] = {}
    for data in (data for found in forms.values() for data in found):
        for name, value in data.items():
            if value not in ("", []):
                examples.setdefault(name, value)
    return {
        endpoint: [
            {k: v if v not in ("", []) else examples.get(k, v) for k, v in data.items()}
            for data in found
        ]
        for endpoint, found in forms.items()
    }
