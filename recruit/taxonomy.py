"""The service's vocabulary: Midlands Engine themes, sectors and clusters, contract types, and
the words candidates and staff read for each application status.

A leaf: it imports nothing from recruit, so the pipeline, the email catalog, the exports and
the pages can all use the labels without importing one another. Status labels are keyed by
`ApplicationStatus` values; the enum is a `StrEnum`, so a member looks its label up directly.
"""

from __future__ import annotations

from typing import Final

THEMES: Final[dict[str, str]] = {
    "connectivity": "Connectivity",
    "skills": "Skills",
    "innovation": "Innovation",
    "trade-investment": "Trade & Investment",
    "quality-of-life": "Quality of Life",
}

SECTORS: Final[dict[str, str]] = {
    "next-generation-transport": "Next Generation Transport",
    "medical-technologies-pharmaceuticals": "Medical Technologies and Pharmaceuticals",
    "future-food-processing": "Future Food Processing",
    "energy-low-carbon": "Energy and Low Carbon",
    "transport-technology": "Transport Technology (super-cluster)",
    "health-life-sciences": "Health and Life Sciences (super-cluster)",
    "medtech": "MedTech (cluster)",
    "aerospace": "Aerospace (cluster)",
    "space-technology": "Space Technology (cluster)",
    "agri-tech": "Agri-tech (cluster)",
}

CONTRACT_TYPES: Final[dict[str, str]] = {
    "permanent": "Permanent",
    "fixed-term": "Fixed term",
    "secondment": "Secondment",
    "interim": "Interim",
}

# What a candidate reads: plain words, never internal jargon. In pipeline order: the staff
# pages list stage counts in this order.
CANDIDATE_LABELS: Final[dict[str, str]] = {
    "draft": "Draft – not yet submitted",
    "submitted": "Submitted",
    "under_review": "Being reviewed",
    "shortlisted": "Shortlisted",
    "interview": "Invited to interview",
    "offer": "Offer made",
    "appointed": "Appointed",
    "unsuccessful": "Unsuccessful",
    "withdrawn": "Withdrawn",
}

STAFF_LABELS: Final[dict[str, str]] = {
    "draft": "Draft",
    "submitted": "Submitted",
    "under_review": "Under review",
    "shortlisted": "Shortlisted",
    "interview": "Interview",
    "offer": "Offer",
    "appointed": "Appointed",
    "unsuccessful": "Unsuccessful",
    "withdrawn": "Withdrawn",
}


def theme_name(slug: str) -> str:
    """Human name of a theme slug."""
    return THEMES.get(slug, slug)


def sector_name(slug: str) -> str:
    """Human name of a sector or cluster slug."""
    return SECTORS.get(slug, slug)
