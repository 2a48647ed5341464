"""The email catalog: one function per email, each with its template, subject and context.

Each function takes domain objects, builds exactly what `templates/email/<template>.txt` and
`.html` read, and queues the email through the outbox in the caller's transaction; the worker
builds and sends it after the commit. A function is named after its template.

The outbox row stores the template name and the context, not the subject: the worker fills
the pattern registered here (`EMAILS`) from the row's context when it sends, as it always has,
so rows queued by older code still send, and a subject never picks up template whitespace or
markup. `full_name` is in every context: the recipient's own name, the To header's display
name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from recruit.contacts import contacts
from recruit.formatting import uk_datetime
from recruit.models import Application, ExportJob, OutboxMessage, User, Vacancy
from recruit.models.privacy import AccessRequest
from recruit.outbox.store import enqueue_email
from recruit.taxonomy import CANDIDATE_LABELS
from recruit.urls import external_url


@dataclass(frozen=True)
class Email:
    """One email: the name of its templates and its subject pattern (filled from the context)."""

    template: str
    subject: str


_registered: dict[str, Email] = {}
# Every email below, by template name: what the worker may send, and with which subject.
EMAILS: Final[Mapping[str, Email]] = MappingProxyType(_registered)


def _email(template: str, subject: str) -> Email:
    """Register an email under its template name."""
    if template in _registered:
        raise ValueError(f"email {template!r} is registered twice")
    _registered[template] = email = Email(template, subject)
    return email


def _queue(email: Email, recipient: User, **context: Any) -> OutboxMessage:
    """Queue `email` to `recipient` with `context`, in the caller's transaction."""
    return enqueue_email(email.template, recipient.email, full_name=recipient.full_name, **context)


# Accounts: sent to the account's owner.

VERIFY_EMAIL: Final = _email("verify_email", "Confirm your email address")


def verify_email(user: User, token: str, hours: int) -> OutboxMessage:
    """Ask a new candidate to confirm their address with the link for `token`."""
    verify_url = external_url("auth.verify_email", token=token)
    return _queue(VERIFY_EMAIL, user, verify_url=verify_url, hours=hours)


ACCOUNT_EXISTS: Final = _email("account_exists", "You already have an account with us")


def account_exists(user: User) -> OutboxMessage:
    """Tell the owner that someone tried to register their address again."""
    return _queue(
        ACCOUNT_EXISTS,
        user,
        login_url=external_url("auth.login"),
        reset_url=external_url("auth.forgot_password"),
    )


PASSWORD_RESET: Final = _email("password_reset", "Reset your password")


def password_reset(user: User, token: str, minutes: int) -> OutboxMessage:
    """Send the reset link for `token`, which lasts `minutes`."""
    reset_url = external_url("auth.reset_password", token=token)
    return _queue(PASSWORD_RESET, user, reset_url=reset_url, minutes=minutes)


PASSWORD_CHANGED: Final = _email("password_changed", "Your password has been changed")


def password_changed(user: User) -> OutboxMessage:
    """Tell the owner their password changed, with a way to reset it if it was not them."""
    return _queue(PASSWORD_CHANGED, user, reset_url=external_url("auth.forgot_password"))


RECRUITER_INVITE: Final = _email(
    "recruiter_invite", "You have been invited to Midlands Engine Recruitment"
)


def recruiter_invite(user: User, invited_by: User, token: str, days: int) -> OutboxMessage:
    """Invite a new staff member to set a password with the link for `token`."""
    return _queue(
        RECRUITER_INVITE,
        user,
        invited_by=invited_by.full_name,
        role=user.role.value,
        accept_url=external_url("auth.accept_invite", token=token),
        days=days,
    )


# Candidates: about their own applications.

APPLICATION_RECEIVED: Final = _email(
    "application_received", "We have received your application for {vacancy_title}"
)


def application_received(application: Application) -> OutboxMessage:
    """Confirm to the candidate that their application was submitted."""
    vacancy = application.vacancy
    return _queue(
        APPLICATION_RECEIVED,
        application.candidate,
        vacancy_title=vacancy.title,
        reference=application.reference,
        vacancy_reference=vacancy.reference,
        closes_at_text=uk_datetime(vacancy.closes_at),
        application_url=external_url("portal.application", application_id=application.id),
    )


STATUS_CHANGED: Final = _email("status_changed", "Update on your application for {vacancy_title}")


def status_changed(application: Application) -> OutboxMessage:
    """Tell the candidate their application has moved to its current status."""
    return _queue(
        STATUS_CHANGED,
        application.candidate,
        vacancy_title=application.vacancy.title,
        reference=application.reference,
        status_label=CANDIDATE_LABELS[application.status],
        status=application.status.value,
        application_url=external_url("portal.application", application_id=application.id),
    )


DRAFT_REMINDER: Final = _email(
    "draft_reminder", "Your application for {vacancy_title} is not submitted yet"
)


def draft_reminder(application: Application) -> OutboxMessage:
    """Remind the candidate that their draft is unsubmitted and the vacancy closes soon."""
    vacancy = application.vacancy
    return _queue(
        DRAFT_REMINDER,
        application.candidate,
        vacancy_title=vacancy.title,
        reference=vacancy.reference,
        closes_at_text=uk_datetime(vacancy.closes_at),
        apply_url=external_url("portal.apply", reference=vacancy.reference),
    )


# Written by a recruiter for a bulk rejection; folded onto one line like every subject.
UNSUCCESSFUL_CUSTOM: Final = _email("unsuccessful_custom", "{subject}")


def unsuccessful_custom(application: Application, subject: str, body: str) -> OutboxMessage:
    """Send the recruiter's rejection, `subject` and `body` already filled in for the candidate."""
    return _queue(
        UNSUCCESSFUL_CUSTOM,
        application.candidate,
        subject=subject,
        body=body,
        vacancy_title=application.vacancy.title,
        reference=application.reference,
        application_url=external_url("portal.application", application_id=application.id),
    )


# Staff: sent to each recruiter of a vacancy, or to whoever asked for an export.

NEW_APPLICATION: Final = _email(
    "new_application", "New application for {vacancy_title} ({reference})"
)


def new_application(application: Application, recruiter: User) -> OutboxMessage:
    """Tell one of the vacancy's recruiters that an application was submitted."""
    return _queue(
        NEW_APPLICATION,
        recruiter,
        vacancy_title=application.vacancy.title,
        reference=application.reference,
        application_url=external_url("admin.application", application_id=application.id),
    )


VACANCY_CLOSED: Final = _email(
    "vacancy_closed", "{vacancy_title} ({reference}) has closed: {count_text}"
)


def vacancy_closed(vacancy: Vacancy, recruiter: User, count: int) -> OutboxMessage:
    """Tell one of the vacancy's recruiters that it closed with `count` applications."""
    return _queue(
        VACANCY_CLOSED,
        recruiter,
        vacancy_title=vacancy.title,
        reference=vacancy.reference,
        count=count,
        count_text=f"{count} application{'' if count == 1 else 's'}",
        # Closed by hand before its closing time: say when it really closed.
        closed_at_text=uk_datetime(vacancy.applications_closed_at),
        applications_url=external_url("admin.vacancy_applications", vacancy_id=vacancy.id),
    )


EXPORT_READY: Final = _email("export_ready", "Your export for {vacancy_title} is ready")


def export_ready(job: ExportJob, vacancy: Vacancy, requester: User, hours: int) -> OutboxMessage:
    """Send the requester the link to a finished export, which is kept for `hours`."""
    return _queue(
        EXPORT_READY,
        requester,
        vacancy_title=vacancy.title,
        file_name=job.file_name,
        hours=hours,
        export_url=external_url("admin.export", export_id=job.id),
    )


ADJUSTMENT_ACKNOWLEDGED: Final = _email(
    "adjustment_acknowledged", "Your request for adjustments: {vacancy_title}"
)


def adjustment_acknowledged(application: Application, requested_at: datetime) -> OutboxMessage:
    """Tell the candidate the recruitment team acknowledged their request for adjustments.

    Never repeats what they asked: the request may say things about their health that an
    email, once sent, puts beyond our control.
    """
    return _queue(
        ADJUSTMENT_ACKNOWLEDGED,
        application.candidate,
        vacancy_title=application.vacancy.title,
        reference=application.reference,
        requested_at_text=uk_datetime(requested_at),
        application_url=external_url("portal.application", application_id=application.id),
    )


# Data rights: a subject access pack is ready; an account was erased at its owner's request.

ACCESS_PACK_READY: Final = _email("access_pack_ready", "A copy of your data is ready to download")


def access_pack_ready(request: AccessRequest, owner: User, days: int) -> OutboxMessage:
    """Tell the owner their pack is built; the link needs their login and lasts `days`."""
    return _queue(
        ACCESS_PACK_READY,
        owner,
        days=days,
        expires_at_text=uk_datetime(request.expires_at),
        pack_url=external_url("portal.data_request", access_request_id=request.id),
    )


ACCOUNT_ERASED: Final = _email("account_erased", "Your account has been deleted")


def account_erased(user: User, kept: list[str]) -> OutboxMessage:
    """The last email to an erased account's address, sent before the address is forgotten.

    `kept` lists, in words, any records kept for a hired candidate. Call it before erasing.
    """
    return _queue(ACCOUNT_ERASED, user, kept=kept, dpo_email=contacts()["dpo"])


# Job alerts: a candidate's saved search, emailed once a day with the vacancies new to it.

JOB_ALERT: Final = _email("job_alert", "New vacancies for your job alert: {search}")


def job_alert(
    user: User,
    *,
    search: str,
    vacancies: list[dict[str, str]],
    total: int,
    search_url: str,
    unsubscribe_url: str,
    alerts_url: str,
) -> OutboxMessage:
    """The day's new vacancies for one alert. `unsubscribe_url` is also sent as the RFC 8058
    `List-Unsubscribe` header (one click, no login), so it must be that alert's signed link."""
    return _queue(
        JOB_ALERT,
        user,
        search=search,
        vacancies=vacancies,
        total=total,
        search_url=search_url,
        unsubscribe_url=unsubscribe_url,
        alerts_url=alerts_url,
    )


# Derived from the registrations above, so there is no second list to keep in step.
EMAIL_TEMPLATES: Final = frozenset(EMAILS)
