"""A vacancy's page carries schema.org JobPosting JSON-LD: safely written, only what we know."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from recruit.portal.job_posting import base_salary
from testkit.factories import Factory

LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
# schema.org's and Google's required properties of a JobPosting.
REQUIRED = ("title", "description", "datePosted", "hiringOrganization", "jobLocation")
# Google's recommended properties that our vacancies have data for.
RECOMMENDED = ("validThrough", "baseSalary", "identifier", "employmentType")


def postings(client: FlaskClient, reference: str) -> list[dict[str, Any]]:
    """The JSON-LD blocks on a vacancy's page, parsed."""
    html = client.get(f"/vacancies/{reference}").get_data(as_text=True)
    return [json.loads(block) for block in LD.findall(html)]


def test_an_open_vacancy_is_a_complete_job_posting(client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy(
        title="Director of Trade", contract_type="fixed-term", location="Birmingham"
    )
    [posting] = postings(client, vacancy.reference)
    assert posting["@context"] == "https://schema.org" and posting["@type"] == "JobPosting"
    missing = [name for name in (*REQUIRED, *RECOMMENDED) if not posting.get(name)]
    assert missing == []
    assert posting["title"] == "Director of Trade"
    assert posting["description"] == (
        f"<p>{vacancy.summary}</p><p>A senior leadership role.</p><p>Second paragraph.</p>"
    )
    assert posting["hiringOrganization"]["@type"] == "Organization"
    assert posting["hiringOrganization"]["name"] == "Midlands Engine"
    address = posting["jobLocation"]["address"]
    assert posting["jobLocation"]["@type"] == "Place" and address["@type"] == "PostalAddress"
    assert address["addressLocality"] == "Birmingham" and address["addressCountry"] == "GB"
    # To the second, with the zone: what Google reads.
    assert posting["datePosted"] == vacancy.published_at.replace(microsecond=0).isoformat()
    assert posting["validThrough"] == vacancy.closes_at.replace(microsecond=0).isoformat()
    assert datetime.fromisoformat(posting["validThrough"]).tzinfo is not None
    assert posting["employmentType"] == "TEMPORARY"
    assert posting["baseSalary"] == {
        "@type": "MonetaryAmount",
        "currency": "GBP",
        "value": {
            "@type": "QuantitativeValue",
            "unitText": "YEAR",
            "minValue": 95000,
            "maxValue": 110000,
        },
    }
    assert posting["identifier"]["value"] == vacancy.reference
    assert posting["url"].endswith(f"/vacancies/{vacancy.reference}")


def test_a_hostile_title_cannot_close_the_script(client: FlaskClient, make: Factory) -> None:
    hostile = "</script><script>alert(1)</script> & 'quotes' <!--"
    vacancy = make.vacancy(title=hostile, summary="<b>bold</b> </SCRIPT>")
    html = client.get(f"/vacancies/{vacancy.reference}").get_data(as_text=True)
    block = LD.search(html)
    assert block is not None
    raw = block.group(1)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    posting = json.loads(raw)
    assert posting["title"] == hostile
    # The description is HTML: the vacancy's text is escaped inside it.
    assert posting["description"].startswith("<p>&lt;b&gt;bold&lt;/b&gt; &lt;/SCRIPT&gt;</p>")
    assert "<script>alert(1)" not in html


def test_only_what_the_data_says(client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy(contract_type="permanent", salary_band="Competitive")
    [posting] = postings(client, vacancy.reference)
    # Permanent says nothing of full or part time; "Competitive" is no amount.
    assert "employmentType" not in posting and "baseSalary" not in posting
    assert all(posting.get(name) for name in REQUIRED)


def test_a_closed_vacancy_is_no_longer_posted(client: FlaskClient, make: Factory) -> None:
    vacancy = make.vacancy(closes_in=timedelta(minutes=-1))
    assert postings(client, vacancy.reference) == []


@pytest.mark.parametrize(
    ("band", "value"),
    [
        ("£95,000 to £110,000", {"minValue": 95000, "maxValue": 110000, "unitText": "YEAR"}),
        ("£85,000", {"value": 85000, "unitText": "YEAR"}),
        ("£650 per day", {"value": 650, "unitText": "DAY"}),
        ("£600 - £700 a day", {"minValue": 600, "maxValue": 700, "unitText": "DAY"}),
        ("£650", None),  # no period named, and too small to be plainly a year's salary
        ("£110,000 to £95,000", None),
        ("Up to £100,000 plus benefits", None),
        ("Competitive", None),
    ],
)
def test_salary_bands_become_amounts_only_when_they_read_as_one(
    band: str, value: dict[str, Any] | None
) -> None:
    found = base_salary(band)
    if value is None:
        assert found is None
    else:
        assert found is not None and found["currency"] == "GBP"
        assert found["value"] == {"@type": "QuantitativeValue", **value}
