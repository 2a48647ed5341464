"""All models, imported here so metadata and Alembic see every table."""

from recruit.models.application import (
    Application,
    ApplicationStatus,
    CriterionEvidence,
    StatusChange,
    StoredFile,
)
from recruit.models.base import Base, UTCDateTime, db_now, utcnow
from recruit.models.outbox import OutboxMessage, OutboxStatus
from recruit.models.session import WebSession
from recruit.models.user import STAFF_ROLES, AccountToken, Role, TokenPurpose, User
from recruit.models.vacancy import (
    Criterion,
    CriterionKind,
    Vacancy,
    VacancyRecruiter,
    VacancySector,
    VacancyStatus,
    VacancyTheme,
)

__all__ = [
    "STAFF_ROLES",
    "AccountToken",
    "Application",
    "ApplicationStatus",
    "Base",
    "Criterion",
    "CriterionEvidence",
    "CriterionKind",
    "OutboxMessage",
    "OutboxStatus",
    "Role",
    "StatusChange",
    "StoredFile",
    "TokenPurpose",
    "UTCDateTime",
    "User",
    "Vacancy",
    "VacancyRecruiter",
    "VacancySector",
    "VacancyStatus",
    "VacancyTheme",
    "WebSession",
    "db_now",
    "utcnow",
]
