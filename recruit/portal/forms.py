"""Forms for the candidate portal: vacancy filters, the application, sending it, withdrawal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, Length, ValidationError

from recruit.models import Vacancy
from recruit.models.adjustments import ADJUSTMENT_CHARS
from recruit.services.applications import word_count
from recruit.taxonomy import SECTORS, THEMES
from recruit.uploads import CheckedUpload, UploadError, check_quota, check_upload

MAX_STATEMENT_CHARS = 60_000
MAX_EVIDENCE_CHARS = 20_000
# Words allowed in each evidence box: the live counter (data-maxwords) and the server agree.
EVIDENCE_WORD_LIMIT = 250
CV_LABEL = "Upload your CV"
# The only two questions on the application that touch on health or disability (Equality Act
# 2010 s.60 allows these): tests/test_health_questions.py knows them by these field names.
ADJUSTMENTS_FIELD = "adjustments"
OPT_IN_FIELD = "guaranteed_interview"
ADJUSTMENTS_LABEL = "Adjustments to the selection process (optional)"
ADJUSTMENTS_HINT = (
    "Tell us about any changes to the selection process that would help you take part, such as "
    "extra time, a step-free venue, documents in another format or an interview by video. You do "
    "not need to tell us why. Only the recruiters on this vacancy's hiring team see this, so "
    "that they can arrange it. The panel who assess your application never see it."
)
OPT_IN_LABEL = "I wish to be considered under the Disability Confident guaranteed interview scheme"
OPT_IN_HINT = (
    "If you are disabled as the Equality Act 2010 defines it and your application meets every "
    "essential criterion, you will be offered an interview. You do not need to tell us about "
    "your disability. Only the recruiters on this vacancy's hiring team see your answer; the "
    "panel who assess your application never see it."
)


class VacancyFilterForm(FlaskForm):  # type: ignore[misc]
    """Search and filter the vacancy list; a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        "Search by keyword",
        validators=[Length(max=200, message="Search words must be 200 characters or fewer")],
    )
    theme = SelectField(
        "Theme",
        choices=[SelectChoice("", "All themes"), *(SelectChoice(*kv) for kv in THEMES.items())],
        default="",
        validate_choice=False,
        validators=[AnyOf(["", *THEMES], message="Select a theme from the list")],
    )
    sector = SelectField(
        "Sector or cluster",
        choices=[
            SelectChoice("", "All sectors and clusters"),
            *(SelectChoice(*kv) for kv in SECTORS.items()),
        ],
        default="",
        validate_choice=False,
        validators=[AnyOf(["", *SECTORS], message="Select a sector or cluster from the list")],
    )

    def valid_value(self, name: str) -> str:
        """A field's value if it passed validation, else empty (meaning 'any')."""
        field = self[name]
        return "" if field.errors else str(field.data or "").strip()


class ApplicationForm(FlaskForm):  # type: ignore[misc]
    """Supporting statement, evidence per criterion (added per vacancy) and a CV."""

    statement = TextAreaField(
        "Supporting statement",
        validators=[
            Length(max=MAX_STATEMENT_CHARS, message="Supporting statement is too long to save")
        ],
    )
    cv = FileField(CV_LABEL)

    vacancy: Vacancy
    # Declared per vacancy in `_form_class`, after the CV, so the page and its errors keep order.
    adjustments: TextAreaField
    guaranteed_interview: BooleanField
    has_cv: bool = False
    checked_cv: CheckedUpload | None = None
    # Whose upload allowance a new CV counts against, and the size of the CV it would replace.
    owner_id: int | None = None
    replacing_bytes: int = 0
    # What the owner has stored already, if the view read it with the vacancy (else looked up).
    stored_bytes: int | None = None

    def validate_statement(self, field: Any) -> None:
        """Apply the vacancy's word limit, counted on the server."""
        check_words(field.data, self.vacancy.statement_word_limit, "Supporting statement")

    def validate_cv(self, field: Any) -> None:
        """Check any chosen file by its content; the result is kept for storing."""
        upload = field.data
        if isinstance(upload, FileStorage) and upload.filename:
            try:
                checked = check_upload(upload)
                if self.owner_id is not None:
                    check_quota(
                        self.owner_id, checked.size_bytes, self.replacing_bytes, self.stored_bytes
                    )
                self.checked_cv = checked
            except UploadError as exc:
                raise ValidationError(str(exc)) from exc

    def evidence(self) -> dict[int, str]:
        """Evidence text keyed by criterion id."""
        return {
            c.id: (self[evidence_field_name(c.id)].data or "").strip()
            for c in self.vacancy.criteria
        }


def check_words(text: str | None, limit: int, what: str) -> None:
    """Refuse `text` with a clear message if it has more than `limit` words."""
    count = word_count(text or "")
    if count > limit:
        raise ValidationError(
            f"{what} must be {limit} words or fewer. You have written {count} words"
        )


class WordLimit:
    """A field validator: at most `limit` words, counted as the live counter counts them."""

    def __init__(self, limit: int, what: str) -> None:
        self.limit, self.what = limit, what

    def __call__(self, form: Any, field: Any) -> None:
        """Raise ValidationError when the field holds too many words."""
        check_words(field.data, self.limit, self.what)


def missing_answers(
    statement: str, has_cv: bool, essential: Iterable[tuple[int, str]], evidence: Mapping[int, str]
) -> list[tuple[str, str]]:
    """What a saved draft still lacks before it can be sent: (field id, message), in page order.

    `essential` is the vacancy's essential criteria as (id, text); `evidence` the draft's
    evidence by criterion id.
    """
    missing: list[tuple[str, str]] = []
    if not statement.strip():
        missing.append(("statement", "Enter your supporting statement"))
    for criterion_id, text in essential:
        if not evidence.get(criterion_id, "").strip():
            missing.append((evidence_field_name(criterion_id), f"Enter your evidence for: {text}"))
    if not has_cv:
        missing.append(("cv", "Upload your CV"))
    return missing


class SendForm(FlaskForm):  # type: ignore[misc]
    """The check-answers page's "Accept and send": the CSRF token and nothing else."""


def evidence_field_name(criterion_id: int) -> str:
    """The form field holding evidence against one criterion."""
    return f"evidence_{criterion_id}"


def application_form(vacancy: Vacancy, **kwargs: Any) -> ApplicationForm:
    """An application form with one evidence box per criterion of `vacancy`."""
    form = _form_class(tuple((c.id, c.text) for c in vacancy.criteria))(**kwargs)
    form.vacancy = vacancy
    return form


@lru_cache(maxsize=512)
def _form_class(criteria: tuple[tuple[int, str], ...]) -> type[ApplicationForm]:
    """The form class for these criteria (id, text); built once, as building one is costly."""

    class VacancyApplicationForm(ApplicationForm):
        pass

    for criterion_id, text in criteria:
        setattr(
            VacancyApplicationForm,
            evidence_field_name(criterion_id),
            TextAreaField(
                text,
                validators=[
                    Length(max=MAX_EVIDENCE_CHARS, message="Your evidence is too long to save"),
                    WordLimit(EVIDENCE_WORD_LIMIT, f"Your evidence for \u201c{text}\u201d"),
                ],
            ),
        )
    # Declared again so it follows the evidence boxes, keeping the error summary in page order.
    VacancyApplicationForm.cv = FileField(CV_LABEL)
    VacancyApplicationForm.adjustments = adjustments_field()
    VacancyApplicationForm.guaranteed_interview = BooleanField(
        OPT_IN_LABEL, description=OPT_IN_HINT
    )
    return VacancyApplicationForm


def adjustments_field(label: str = ADJUSTMENTS_LABEL) -> Any:
    """The free-text box for adjustments: on the application form and on its own page."""
    return TextAreaField(
        label,
        description=ADJUSTMENTS_HINT,
        validators=[
            Length(
                max=ADJUSTMENT_CHARS,
                message=f"Adjustments must be {ADJUSTMENT_CHARS} characters or fewer",
            )
        ],
    )


class AdjustmentRequestForm(FlaskForm):  # type: ignore[misc]
    """Ask for adjustments after submitting, from the application's page."""

    adjustments = adjustments_field("What adjustments would you like?")

    def validate_adjustments(self, field: Any) -> None:
        """Something must be typed: this form has nothing else."""
        if not (field.data or "").strip():
            raise ValidationError("Enter the adjustments you would like")


class WithdrawForm(FlaskForm):  # type: ignore[misc]
    """Confirm withdrawal, with an optional reason."""

    reason = TextAreaField(
        "Reason for withdrawing (optional)",
        validators=[Length(max=500, message="Reason must be 500 characters or fewer")],
    )
