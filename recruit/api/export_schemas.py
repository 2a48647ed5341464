"""The shapes of export requests in the API: what to export, and an export's progress."""

from __future__ import annotations

from typing import Final

from marshmallow import Schema, fields, validate

from recruit.exports.jobs import SELECTION_LABELS
from recruit.models import ApplicationStatus, ExportFormat, ExportStatus

FORMATS: Final = [f.value for f in ExportFormat]
WHICH: Final = list(SELECTION_LABELS)
# The stages an export may narrow to: every stage but a draft, as on the export page.
STAGES: Final = [s.value for s in ApplicationStatus if s is not ApplicationStatus.DRAFT]


class ExportRequestSchema(Schema):
    """Which applications, in which format: the export page's choices and defaults."""

    format = fields.String(
        load_default=ExportFormat.XLSX.value,
        validate=validate.OneOf(FORMATS),
        metadata={
            "description": (
                "xlsx: a spreadsheet with scores and a sheet of evidence; csv: UTF-8 for other "
                "systems; pack: a ZIP of the spreadsheet, a PDF page per candidate, and the CVs"
            )
        },
    )
    which = fields.String(load_default="shortlist", validate=validate.OneOf(WHICH))
    stage = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(STAGES),
        metadata={"description": "Only the applications at this stage (optional)"},
    )


class ExportVacancySchema(Schema):
    """The vacancy exported."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    title = fields.String(required=True)


class ProgressSchema(Schema):
    """How far the build has gone: rows written of rows to write."""

    done = fields.Integer(required=True)
    total = fields.Integer(required=True)
    percent = fields.Integer(required=True, validate=validate.Range(min=0, max=100))


class ExportLinksSchema(Schema):
    """Where the export lives; `download` only once it is ready."""

    self = fields.String(required=True, metadata={"format": "uri"})
    download = fields.String(required=True, allow_none=True, metadata={"format": "uri"})
    html = fields.String(required=True, metadata={"format": "uri"})


class ExportSchema(Schema):
    """An export and its progress: `queued`, then `building` (with `progress`), then `ready`
    (download it before `expires_at`) or `failed` (with `error`); `expired` once its file is
    deleted."""

    id = fields.Integer(required=True)
    vacancy = fields.Nested(ExportVacancySchema, required=True)
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))
    which = fields.String(required=True, validate=validate.OneOf(WHICH))
    stage = fields.String(required=True, allow_none=True, validate=validate.OneOf(STAGES))
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in ExportStatus]))
    progress = fields.Nested(ProgressSchema, required=True)
    error = fields.String(required=True, allow_none=True)
    file_name = fields.String(required=True, allow_none=True)
    size_bytes = fields.Integer(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    finished_at = fields.AwareDateTime(required=True, allow_none=True)
    expires_at = fields.AwareDateTime(required=True, allow_none=True)
    links = fields.Nested(ExportLinksSchema, required=True)
