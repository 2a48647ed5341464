"""The Atom 1.0 (RFC 4287) feed of vacancies, built with ElementTree so every value is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.etree import ElementTree as ET  # we build XML, never parse it

from recruit import taxonomy
from recruit.models import Vacancy, utcnow
from recruit.urls import external_url

MEDIA_TYPE = "application/atom+xml"
ATOM = "http://www.w3.org/2005/Atom"


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _add(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text:
        element.text = text
    return element


def _entry(feed: ET.Element, vacancy: Vacancy) -> None:
    html = external_url("portal.vacancy", reference=vacancy.reference)
    entry = _add(feed, "entry")
    # The advert's address is permanent, so it serves as the entry's id.
    _add(entry, "id", html)
    _add(entry, "title", vacancy.title)
    _add(entry, "link", rel="alternate", type="text/html", href=html)
    api = external_url("api_v1.get_vacancy", reference=vacancy.reference)
    _add(entry, "link", rel="related", type="application/json", href=api)
    _add(entry, "updated", _stamp(vacancy.updated_at))
    if vacancy.published_at is not None:
        _add(entry, "published", _stamp(vacancy.published_at))
    closes = vacancy.closes_at.strftime("%d %B %Y %H:%M UTC")
    _add(entry, "summary", f"{vacancy.summary} Closes {closes}.", type="text")
    for theme in vacancy.themes:
        _add(entry, "category", term=theme, label=taxonomy.theme_name(theme))
    for sector in vacancy.sectors:
        _add(entry, "category", term=sector, label=taxonomy.sector_name(sector))


def atom(vacancies: Sequence[Vacancy], self_url: str) -> bytes:
    """The feed document for these vacancies."""
    feed = ET.Element("feed", {"xmlns": ATOM})
    _add(feed, "id", external_url("portal.vacancies"))
    _add(feed, "title", "Midlands Engine executive vacancies")
    updated = max((v.updated_at for v in vacancies), default=utcnow())
    _add(feed, "updated", _stamp(updated))
    _add(feed, "link", rel="self", type=MEDIA_TYPE, href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=external_url("portal.vacancies"))
    author = _add(feed, "author")
    _add(author, "name", "Midlands Engine")
    for vacancy in vacancies:
        _entry(feed, vacancy)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
