"""The monitoring questions, in UK categories, each with "Prefer not to say".

Sources: ONS 2021 Census for England and Wales (ethnic group, religion, sexual orientation,
gender identity), the Equality Act 2010 s.6 definition of disability, and the Civil Service's
three socio-economic background questions (Social Mobility Commission categories). Option
values are stable slugs: they are stored, tallied and reported, so never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

PREFER_NOT: Final = "prefer-not-to-say"
PREFER_NOT_LABEL: Final = "Prefer not to say"


@dataclass(frozen=True)
class Question:
    """One question: its slug, wording, hint and options ((group, [(slug, label)]) pairs)."""

    slug: str
    text: str
    hint: str
    groups: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

    @property
    def options(self) -> list[tuple[str, str]]:
        """Every (slug, label), groups flattened in order, "Prefer not to say" last."""
        flat = [option for _, options in self.groups for option in options]
        return [*flat, (PREFER_NOT, PREFER_NOT_LABEL)]

    @property
    def labels(self) -> dict[str, str]:
        """Option slug to the label a report shows (group-qualified for grouped questions)."""
        labels: dict[str, str] = {}
        for group, options in self.groups:
            for slug, label in options:
                labels[slug] = f"{group}: {label}" if group else label
        labels[PREFER_NOT] = PREFER_NOT_LABEL
        return labels


def _flat(*options: tuple[str, str]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    return (("", options),)


QUESTIONS: Final[tuple[Question, ...]] = (
    Question(
        "age_band",
        "What is your age?",
        "",
        _flat(
            ("16-24", "16 to 24"),
            ("25-34", "25 to 34"),
            ("35-44", "35 to 44"),
            ("45-54", "45 to 54"),
            ("55-64", "55 to 64"),
            ("65-plus", "65 or over"),
        ),
    ),
    Question(
        "sex",
        "What is your sex?",
        "",
        _flat(("female", "Female"), ("male", "Male")),
    ),
    Question(
        "gender_identity",
        "Is the gender you identify with the same as your sex registered at birth?",
        "",
        _flat(("yes", "Yes"), ("no", "No")),
    ),
    Question(
        "sexual_orientation",
        "Which of the following best describes your sexual orientation?",
        "",
        _flat(
            ("straight", "Straight or heterosexual"),
            ("gay-lesbian", "Gay or lesbian"),
            ("bisexual", "Bisexual"),
            ("other", "Other sexual orientation"),
        ),
    ),
    Question(
        "ethnicity",
        "What is your ethnic group?",
        "The groups used by the 2021 Census in England and Wales.",
        (
            (
                "Asian, Asian British or Asian Welsh",
                (
                    ("asian-bangladeshi", "Bangladeshi"),
                    ("asian-chinese", "Chinese"),
                    ("asian-indian", "Indian"),
                    ("asian-pakistani", "Pakistani"),
                    ("asian-other", "Any other Asian background"),
                ),
            ),
            (
                "Black, Black British, Black Welsh, Caribbean or African",
                (
                    ("black-african", "African"),
                    ("black-caribbean", "Caribbean"),
                    ("black-other", "Any other Black, Black British or Caribbean background"),
                ),
            ),
            (
                "Mixed or Multiple ethnic groups",
                (
                    ("mixed-white-asian", "White and Asian"),
                    ("mixed-white-black-african", "White and Black African"),
                    ("mixed-white-black-caribbean", "White and Black Caribbean"),
                    ("mixed-other", "Any other Mixed or Multiple ethnic background"),
                ),
            ),
            (
                "White",
                (
                    ("white-british", "English, Welsh, Scottish, Northern Irish or British"),
                    ("white-irish", "Irish"),
                    ("white-gypsy-traveller", "Gypsy or Irish Traveller"),
                    ("white-roma", "Roma"),
                    ("white-other", "Any other White background"),
                ),
            ),
            (
                "Other ethnic group",
                (
                    ("other-arab", "Arab"),
                    ("other-any", "Any other ethnic group"),
                ),
            ),
        ),
    ),
    Question(
        "religion",
        "What is your religion?",
        "",
        _flat(
            ("none", "No religion"),
            (
                "christian",
                "Christian (including Church of England, Catholic, Protestant and all "
                "other Christian denominations)",
            ),
            ("buddhist", "Buddhist"),
            ("hindu", "Hindu"),
            ("jewish", "Jewish"),
            ("muslim", "Muslim"),
            ("sikh", "Sikh"),
            ("other", "Any other religion"),
        ),
    ),
    Question(
        "disability",
        "Do you consider yourself to have a disability?",
        "The Equality Act 2010 says you are disabled if you have a physical or mental "
        "impairment that has a substantial and long-term negative effect on your ability to "
        "do normal daily activities. ‘Long-term’ means 12 months or more.",
        _flat(("yes", "Yes"), ("no", "No")),
    ),
    Question(
        "caring",
        "Do you have caring responsibilities?",
        "For example, looking after children, or a family member, friend or neighbour because "
        "of long-term illness, disability or problems related to old age.",
        _flat(
            ("none", "No"),
            ("children", "Yes, for a child or children under 18"),
            ("adult", "Yes, for an adult who is ill, disabled or older"),
            ("both", "Yes, for both children and adults"),
        ),
    ),
    Question(
        "ses_occupation",
        "Thinking back to when you were about 14, which best describes the sort of work the "
        "main or highest income earner in your household did in their main job?",
        "",
        _flat(
            (
                "professional",
                "Modern or traditional professional occupations, such as: teacher, "
                "nurse, social worker, software designer, accountant, solicitor, doctor, engineer",
            ),
            (
                "manager",
                "Senior, middle or junior managers or administrators, such as: finance "
                "manager, chief executive, large business owner, office or retail manager",
            ),
            (
                "intermediate",
                "Clerical and intermediate occupations, such as: secretary, "
                "personal assistant, call centre agent, clerical worker, nursery nurse",
            ),
            (
                "technical",
                "Technical and craft occupations, such as: motor mechanic, plumber, "
                "printer, electrician, gardener, train driver",
            ),
            (
                "routine",
                "Routine, semi-routine manual and service occupations, such as: postal "
                "worker, machine operative, security guard, caretaker, farm worker, catering or "
                "sales assistant, HGV driver, cleaner, labourer, bar staff",
            ),
            (
                "unemployed",
                "Long-term unemployed (claimed Jobseeker’s Allowance or earlier "
                "unemployment benefit for more than a year)",
            ),
            (
                "small-business",
                "Small business owners who employed fewer than 25 people, such "
                "as: corner shop owner, small plumbing company, single restaurant or café owner, "
                "taxi or garage owner",
            ),
            ("other", "Other, such as: retired, this question does not apply to me, I do not know"),
        ),
    ),
    Question(
        "ses_school",
        "Which type of school did you attend for most of the time between the ages of 11 and 16?",
        "",
        _flat(
            (
                "state-non-selective",
                "A state-run or state-funded school that did not select "
                "on academic, faith or other grounds",
            ),
            (
                "state-selective",
                "A state-run or state-funded school that selected on academic, "
                "faith or other grounds",
            ),
            ("independent", "An independent or fee-paying school"),
            (
                "independent-bursary",
                "An independent or fee-paying school, where I received a "
                "means-tested bursary covering 90% or more of the fees",
            ),
            ("outside-uk", "A school outside the UK"),
            ("dont-know", "I do not know"),
        ),
    ),
    Question(
        "ses_free_meals",
        "If you finished school after 1980, were you eligible for free school meals at any "
        "point during your school years?",
        "Free school meals are a statutory benefit for school-aged children from families who "
        "receive other qualifying benefits.",
        _flat(
            ("yes", "Yes"),
            ("no", "No"),
            (
                "not-applicable",
                "Not applicable (finished school before 1980 or went to school outside the UK)",
            ),
            ("dont-know", "I do not know"),
        ),
    ),
)

BY_SLUG: Final = {q.slug: q for q in QUESTIONS}


def valid_answer(question: str, answer: str) -> bool:
    """Whether `answer` is one of `question`'s option slugs."""
    found = BY_SLUG.get(question)
    return found is not None and answer in dict(found.options)


def label_for(question: str, answer: str) -> str:
    """The label a report shows for an answer (a stored slug no longer offered shows as-is)."""
    found = BY_SLUG.get(question)
    return found.labels.get(answer, answer) if found is not None else answer
