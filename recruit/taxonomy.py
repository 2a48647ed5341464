"""Midlands Engine themes, sectors and clusters that vacancies are tagged with."""

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


def theme_name(slug: str) -> str:
    """Human name of a theme slug."""
    return THEMES.get(slug, slug)


def sector_name(slug: str) -> str:
    """Human name of a sector or cluster slug."""
    return SECTORS.get(slug, slug)
