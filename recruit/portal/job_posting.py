"""A vacancy as schema.org JobPosting data (JSON-LD), from what the vacancy really holds.

Only properties the data has are given: no full- or part-time claim (the contract type says
how long a job lasts, not its hours), and a salary only when the band reads as "£N" or
"£N to £M", with a period only when the band names one or the sum is plainly a yearly salary.
The page writes it with Jinja's `tojson`, which escapes <, >, & and ', so no text in a vacancy
can close the script element.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Final

from markupsafe import escape

from recruit.models import Vacancy
from recruit.urls import external_url

ORGANISATION: Final = "Midlands Engine"
ORGANISATION_URL: Final = "https://www.midlandsengine.org"
# Google's employmentType values that a contract type honestly implies; "permanent" implies none.
EMPLOYMENT_TYPES: Final = {
    "fixed-term": "TEMPORARY",
    "secondment": "TEMPORARY",
    "interim": "TEMPORARY",
}
_AMOUNT = r"£\s?(\d{1,3}(?:,\d{3})*|\d+)(?:\.\d{2})?"
_BAND: Final = re.compile(
    rf"{_AMOUNT}(?:\s*(?:to|-|–|—)\s*{_AMOUNT})?"
    r"(?:\s*(?:a|an|per)\s+(year|annum|day|hour))?",
    re.IGNORECASE,
)
_PERIODS: Final = {"year": "YEAR", "annum": "YEAR", "day": "DAY", "hour": "HOUR"}
# A sum this large with no period named is a yearly salary: no day or hour rate comes near it.
_PLAINLY_YEARLY: Final = 10_000


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def base_salary(band: str) -> dict[str, Any] | None:
    """The band as a schema.org MonetaryAmount in GBP, or None if it does not read as one."""
    found = _BAND.fullmatch(band.strip())
    if found is None:
        return None
    low = int(found.group(1).replace(",", ""))
    high = int(found.group(2).replace(",", "")) if found.group(2) else None
    period = _PERIODS.get((found.group(3) or "").lower())
    if period is None and low >= _PLAINLY_YEARLY:
        period = "YEAR"
    if period is None or (high is not None and high < low):
        return None
    value: dict[str, Any] = {"@type": "QuantitativeValue", "unitText": period}
    if high is None:
        value["value"] = low
    else:
        value.update(minValue=low, maxValue=high)
    return {"@type": "MonetaryAmount", "currency": "GBP", "value": value}


def _description(vacancy: Vacancy) -> str:
    """The advert's summary and paragraphs as the HTML Google asks for, every word escaped."""
    paragraphs = [vacancy.summary, *vacancy.description.split("\n\n")]
    return "".join(f"<p>{escape(p.strip())}</p>" for p in paragraphs if p.strip())


def job_posting(vacancy: Vacancy) -> dict[str, Any]:
    """The JobPosting for an open, published vacancy."""
    posting: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "title": vacancy.title,
        "description": _description(vacancy),
        "identifier": {"@type": "PropertyValue", "name": ORGANISATION, "value": vacancy.reference},
        "hiringOrganization": {
            "@type": "Organization",
            "name": ORGANISATION,
            "sameAs": ORGANISATION_URL,
        },
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": vacancy.location,
                "addressCountry": "GB",
            },
        },
        "validThrough": _iso(vacancy.applications_closed_at),
        # From the configured base URL, never from the request's Host.
        "url": external_url("portal.vacancy", reference=vacancy.reference),
    }
    if vacancy.published_at is not None:
        posting["datePosted"] = _iso(vacancy.published_at)
    if vacancy.contract_type in EMPLOYMENT_TYPES:
        posting["employmentType"] = EMPLOYMENT_TYPES[vacancy.contract_type]
    salary = base_salary(vacancy.salary_band)
    if salary is not None:
        posting["baseSalary"] = salary
    return posting
