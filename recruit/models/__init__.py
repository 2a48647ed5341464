"""All models, imported here so metadata and Alembic see every table."""

from recruit.models.adjustments import (
    AdjustmentRequest,
    GuaranteeOverride,
    InterviewGuaranteeOptIn,
)
from recruit.models.alerts import JobAlert, JobAlertVacancy
from recruit.models.api import ApiToken, IdempotencyKey, TokenScope
from recruit.models.application import (
    Application,
    ApplicationStatus,
    CriterionEvidence,
    StatusChange,
    StoredFile,
)
from recruit.models.audit import AuditEvent
from recruit.models.base import (
    WRITES_TABLES_OPTION,
    Base,
    UTCDateTime,
    db_moment,
    db_now,
    utcnow,
)
from recruit.models.export import ExportDownload, ExportFormat, ExportJob, ExportStatus
from recruit.models.monitoring import MonitoringReportJob, MonitoringResponse, MonitoringTally
from recruit.models.outbox import OutboxMessage, OutboxStatus
from recruit.models.privacy import (
    AccessChannel,
    AccessPackDownload,
    AccessRequest,
    AccessRequestStatus,
)
from recruit.models.retention import OutcomeTally, PurgeReceipt, PurgeTrigger
from recruit.models.session import WebSession
from recruit.models.sift import (
    AgreedScore,
    ApplicationNote,
    IdentityReveal,
    PanelAssignment,
    Score,
)
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
from recruit.models.webhooks import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)

__all__ = [
    "STAFF_ROLES",
    "WRITES_TABLES_OPTION",
    "AccessChannel",
    "AccessPackDownload",
    "AccessRequest",
    "AccessRequestStatus",
    "AccountToken",
    "AdjustmentRequest",
    "AgreedScore",
    "ApiToken",
    "Application",
    "ApplicationNote",
    "ApplicationStatus",
    "AuditEvent",
    "Base",
    "Criterion",
    "CriterionEvidence",
    "CriterionKind",
    "DeliveryStatus",
    "ExportDownload",
    "ExportFormat",
    "ExportJob",
    "ExportStatus",
    "GuaranteeOverride",
    "IdempotencyKey",
    "IdentityReveal",
    "InterviewGuaranteeOptIn",
    "JobAlert",
    "JobAlertVacancy",
    "MonitoringReportJob",
    "MonitoringResponse",
    "MonitoringTally",
    "OutboxMessage",
    "OutboxStatus",
    "OutcomeTally",
    "PanelAssignment",
    "PurgeReceipt",
    "PurgeTrigger",
    "Role",
    "Score",
    "StatusChange",
    "StoredFile",
    "TokenPurpose",
    "TokenScope",
    "UTCDateTime",
    "User",
    "Vacancy",
    "VacancyRecruiter",
    "VacancySector",
    "VacancyStatus",
    "VacancyTheme",
    "WebSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
    "WebhookSubscription",
    "db_moment",
    "db_now",
    "utcnow",
]
