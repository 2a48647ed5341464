"""Demo vacancies written for the Midlands Engine portal (see shared/domain.md)."""

from __future__ import annotations

from typing import Any, Final

_REGION = (
    "The Midlands Engine is a pan-regional partnership of councils, combined authorities, "
    "universities and businesses, formed in December 2015 to raise growth and productivity "
    "across a region of almost 12 million people, a 4.6 million strong workforce and an "
    "economy worth over £200 billion."
)

DEMO_VACANCIES: Final[list[dict[str, Any]]] = [
    {
        "reference": "ME-DEMO-01",
        "title": "Director of Connectivity",
        "summary": "Lead the partnership's transport and digital infrastructure strategy, working with Midlands Connect on the investment case for the region's next generation of rail, road and digital links.",
        "themes": ["connectivity"],
        "sectors": ["next-generation-transport", "transport-technology"],
        "location": "Nottingham, with travel across the Midlands (hybrid)",
        "salary_band": "£110,000 to £125,000",
        "contract_type": "permanent",
        "closes_in_days": 21,
        "essential": [
            "Senior leadership of a transport or infrastructure programme worth over £100 million",
            "A record of building consensus between local and national government partners",
            "Strategic understanding of how connectivity drives productivity and inclusive growth",
        ],
        "desirable": ["Experience of rail or digital infrastructure investment cases"],
    },
    {
        "reference": "ME-DEMO-02",
        "title": "Head of Skills and Talent",
        "summary": "Shape workforce and talent programmes with the region's 20 universities and its employers, so that a quarter of the UK's manufacturing capacity has the people it needs.",
        "themes": ["skills"],
        "sectors": [],
        "location": "Birmingham (hybrid)",
        "salary_band": "£85,000 to £95,000",
        "contract_type": "permanent",
        "closes_in_days": 14,
        "essential": [
            "Leadership of skills or workforce programmes at regional or national scale",
            "Strong partnerships with further and higher education and with employers",
        ],
        "desirable": ["Knowledge of advanced manufacturing skills needs"],
    },
    {
        "reference": "ME-DEMO-03",
        "title": "Chief Executive, Space Technology Cluster Development Company",
        "summary": "Build and lead a new Cluster Development Company for the Midlands' space technology cluster, one of the new-economy clusters named in the 2023 cluster report.",
        "themes": ["innovation"],
        "sectors": ["space-technology", "next-generation-transport"],
        "location": "Leicester (hybrid)",
        "salary_band": "£130,000 to £150,000",
        "contract_type": "fixed-term",
        "closes_in_days": 28,
        "essential": [
            "Chief executive or board-level experience in a technology-led organisation",
            "Success in raising public and private investment",
            "Credibility with industry, academia and government",
        ],
        "desirable": ["Background in the space or aerospace sector"],
    },
    {
        "reference": "ME-DEMO-04",
        "title": "Director of Trade and Investment",
        "summary": "Lead overseas trade missions and the inward investment portfolio for a region responsible for 20% of UK exports.",
        "themes": ["trade-investment"],
        "sectors": ["aerospace", "medtech"],
        "location": "Birmingham or Nottingham (hybrid)",
        "salary_band": "£115,000 to £130,000",
        "contract_type": "permanent",
        "closes_in_days": 10,
        "essential": [
            "A record of landing significant inward investment or export growth",
            "Experience of leading international trade missions",
        ],
        "desirable": ["Established networks with overseas investors"],
    },
    {
        "reference": "ME-DEMO-05",
        "title": "Programme Director, Energy and Low Carbon",
        "summary": "Direct the partnership's energy and low carbon programme, from geo-energy and thermal systems to nuclear, storage and smart energy.",
        "themes": ["innovation"],
        "sectors": ["energy-low-carbon"],
        "location": "Derby (hybrid)",
        "salary_band": "£95,000 to £110,000",
        "contract_type": "fixed-term",
        "closes_in_days": 18,
        "essential": [
            "Leadership of complex energy or decarbonisation programmes",
            "Ability to bring together research partners and industry",
        ],
        "desirable": ["Knowledge of energy storage or smart energy systems"],
    },
    {
        "reference": "ME-DEMO-06",
        "title": "Head of MedTech Cluster Development",
        "summary": "Grow the Midlands MedTech cluster, worth about £1.6 billion a year to the UK economy, across devices, diagnostics and software as a medical device.",
        "themes": ["innovation"],
        "sectors": ["medical-technologies-pharmaceuticals", "medtech", "health-life-sciences"],
        "location": "Coventry (hybrid)",
        "salary_band": "£90,000 to £100,000",
        "contract_type": "permanent",
        "closes_in_days": 25,
        "essential": [
            "Senior experience in medical technology, life sciences or health innovation",
            "Experience of cluster or ecosystem development",
        ],
        "desirable": ["Understanding of medical device regulation"],
    },
    {
        "reference": "ME-DEMO-07",
        "title": "Director of Inward Investment Concierge Services",
        "summary": "Run the concierge service that guides investors from first enquiry to a working site in the Midlands.",
        "themes": ["trade-investment"],
        "sectors": [],
        "location": "Birmingham (hybrid)",
        "salary_band": "£100,000 to £115,000",
        "contract_type": "permanent",
        "closes_in_days": 30,
        "essential": [
            "Leadership of a client-facing investment or account management service",
            "Excellent relationships with local authorities and land and property partners",
        ],
        "desirable": ["Experience of supporting overseas investors"],
    },
    {
        "reference": "ME-DEMO-08",
        "title": "Quality of Life Programme Lead",
        "summary": "Lead work on place, culture, health and wellbeing, making the Midlands a place where people want to live, study and build careers.",
        "themes": ["quality-of-life"],
        "sectors": ["health-life-sciences"],
        "location": "Lincoln or Stoke-on-Trent (hybrid)",
        "salary_band": "£75,000 to £85,000",
        "contract_type": "secondment",
        "closes_in_days": 16,
        "essential": [
            "Experience of leading place-based programmes with public and community partners",
            "Skill in using evidence on health, culture and wellbeing to shape investment",
        ],
        "desirable": ["Experience in the cultural or visitor economy"],
    },
]


def description_for(item: dict[str, Any]) -> str:
    """A realistic multi-paragraph description for a demo vacancy."""
    return "\n\n".join(
        [
            _REGION,
            item["summary"],
            "You will report to the Midlands Engine board, lead a small expert team and work "
            "closely with the partnership's theme groups. We value candidates from every "
            "background and offer a guaranteed interview to disabled candidates who meet the "
            "essential criteria.",
            "Tell us in your supporting statement how your experience meets each criterion. "
            "If you need a reasonable adjustment at any stage, say so in your application.",
        ]
    )


# Demo candidates who have applied, so the board, the equality report and the guaranteed
# interview report have something to show. Each answered the optional monitoring form (a full
# answer set: every question needs an option, "prefer-not-to-say" included); one opted in to the
# guaranteed-interview scheme and asked for an adjustment. Nobody knows their passwords.
DEMO_APPLICANTS: Final[list[dict[str, Any]]] = [
    {
        "full_name": "Amara Okafor",
        "email": "amara.okafor@example.org",
        "reference": "ME-DEMO-02",
        "statement": "I have led a regional skills partnership of twelve colleges and three universities, placing 4,000 apprentices a year with advanced manufacturers.",
        "monitoring": {
            "age_band": "35-44",
            "sex": "female",
            "gender_identity": "yes",
            "sexual_orientation": "straight",
            "ethnicity": "black-african",
            "religion": "christian",
            "disability": "no",
            "caring": "children",
            "ses_occupation": "professional",
            "ses_school": "state-non-selective",
            "ses_free_meals": "no",
        },
        "guaranteed_interview": False,
        "adjustment": "",
    },
    {
        "full_name": "Tom Hargreaves",
        "email": "tom.hargreaves@example.org",
        "reference": "ME-DEMO-02",
        "statement": "As director of a university business school I built degree apprenticeships with 60 Midlands employers and doubled enrolments in five years.",
        "monitoring": {
            "age_band": "45-54",
            "sex": "male",
            "gender_identity": "yes",
            "sexual_orientation": "gay-lesbian",
            "ethnicity": "white-british",
            "religion": "none",
            "disability": "yes",
            "caring": "none",
            "ses_occupation": "routine",
            "ses_school": "state-non-selective",
            "ses_free_meals": "yes",
        },
        "guaranteed_interview": True,
        "adjustment": "I am deaf and lip-read: please seat the panel facing the light, and send any interview presentation brief in writing.",
    },
    {
        "full_name": "Meera Nair",
        "email": "meera.nair@example.org",
        "reference": "ME-DEMO-01",
        "statement": "I led the business case for a £300 million rail upgrade through to funding, working with four combined authorities and the Department for Transport.",
        "monitoring": {
            "age_band": "45-54",
            "sex": "female",
            "gender_identity": "yes",
            "sexual_orientation": "prefer-not-to-say",
            "ethnicity": "asian-indian",
            "religion": "hindu",
            "disability": "no",
            "caring": "adult",
            "ses_occupation": "small-business",
            "ses_school": "independent-bursary",
            "ses_free_meals": "not-applicable",
        },
        "guaranteed_interview": False,
        "adjustment": "",
    },
    {
        "full_name": "Daniel Kowalski",
        "email": "daniel.kowalski@example.org",
        "reference": "ME-DEMO-01",
        "statement": "I run the digital infrastructure programme of a combined authority, bringing gigabit broadband to 300,000 homes.",
        "monitoring": {
            "age_band": "prefer-not-to-say",
            "sex": "prefer-not-to-say",
            "gender_identity": "prefer-not-to-say",
            "sexual_orientation": "prefer-not-to-say",
            "ethnicity": "white-other",
            "religion": "prefer-not-to-say",
            "disability": "prefer-not-to-say",
            "caring": "prefer-not-to-say",
            "ses_occupation": "technical",
            "ses_school": "outside-uk",
            "ses_free_meals": "not-applicable",
        },
        "guaranteed_interview": False,
        "adjustment": "",
    },
]


# A campaign that closed seven months ago: its unsuccessful candidates' data is past the default
# six-month retention period, so `flask --app recruit retention plan` has something to show and
# the hourly purge (or `retention run`) writes a receipt for it.
DEMO_EXPIRED_VACANCY: Final[dict[str, Any]] = {
    "reference": "ME-DEMO-09",
    "title": "Head of Investment Promotion",
    "summary": "Led the partnership's inward investment promotion at MIPIM and in the Midlands Engine Investment Portfolio.",
    "themes": ["trade-investment"],
    "sectors": ["future-food-processing"],
    "location": "Birmingham (hybrid)",
    "salary_band": "£85,000 to £95,000",
    "contract_type": "fixed-term",
    "closed_days_ago": 214,
    "essential": ["Experience of promoting investment opportunities to international investors"],
    "desirable": ["Experience of the Midlands Engine Investment Portfolio"],
}
_NO_ANSWER = "prefer-not-to-say"
DEMO_EXPIRED_APPLICANTS: Final[list[dict[str, Any]]] = [
    {
        "full_name": name,
        "email": email,
        "reference": "ME-DEMO-09",
        "status": "unsuccessful",
        "statement": statement,
        "monitoring": dict.fromkeys(
            (
                "age_band",
                "sex",
                "gender_identity",
                "sexual_orientation",
                "ethnicity",
                "religion",
                "disability",
                "caring",
                "ses_occupation",
                "ses_school",
                "ses_free_meals",
            ),
            _NO_ANSWER,
        ),
        "guaranteed_interview": False,
        "adjustment": "",
    }
    for name, email, statement in (
        (
            "Grace Whitfield",
            "grace.whitfield@example.org",
            "I led a trade mission programme for a county council's investment team.",
        ),
        (
            "Ravi Chauhan",
            "ravi.chauhan@example.org",
            "I built the investment pipeline of an enterprise zone, landing twelve projects.",
        ),
    )
]
