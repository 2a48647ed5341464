"""The shapes of scores in the API: the scale, an assessor's own set, and the panel's scores."""

from __future__ import annotations

from typing import Final

from marshmallow import Schema, fields, validate

from recruit.api.schemas import NO_NUL
from recruit.services.scoring import COMMENT_CHARS, MAX_SCORE, MIN_SCORE

OWN_STATUSES: Final = ["none", "draft", "submitted", "abstained"]
KINDS: Final = ["essential", "desirable"]
SCORE_RANGE = validate.Range(min=MIN_SCORE, max=MAX_SCORE)


class ScaleStepSchema(Schema):
    """One step of the scoring scale."""

    value = fields.Integer(required=True)
    label = fields.String(required=True)
    descriptor = fields.String(required=True)


class OwnScoreSchema(Schema):
    """The assessor's score and comment for one criterion (`score` null: not scored yet)."""

    criterion_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    criterion = fields.String(required=True)
    score = fields.Integer(required=True, allow_none=True, validate=SCORE_RANGE)
    comment = fields.String(required=True)


class OwnLinksSchema(Schema):
    """Where the own set and the panel's scores live."""

    self = fields.String(required=True, metadata={"format": "uri"})
    scores = fields.String(required=True, metadata={"format": "uri"})
    html = fields.String(required=True, metadata={"format": "uri"})


class OwnScoresSchema(Schema):
    """The token owner's own scores for an application, one per criterion of the vacancy.

    `status`: `none` (nothing saved), `draft` (saved, may still change), `submitted` (final),
    `abstained` (chose to see the panel's scores without scoring: can no longer score).
    """

    application_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(OWN_STATUSES))
    scoring_open = fields.Boolean(
        required=True,
        metadata={"description": "Whether the application is in the sift, where it is scored"},
    )
    submitted_at = fields.AwareDateTime(required=True, allow_none=True)
    scores = fields.List(fields.Nested(OwnScoreSchema), required=True)
    scale = fields.List(fields.Nested(ScaleStepSchema), required=True)
    links = fields.Nested(OwnLinksSchema, required=True)


class ScoreEntrySchema(Schema):
    """A score (or null, in a draft) and a comment for one of the vacancy's criteria."""

    criterion_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    score = fields.Integer(required=True, allow_none=True, validate=SCORE_RANGE)
    comment = fields.String(load_default="", validate=[validate.Length(max=COMMENT_CHARS), NO_NUL])


class ScoreInputSchema(Schema):
    """The whole of your set: criteria left out are saved unscored, without a comment."""

    scores = fields.List(
        fields.Nested(ScoreEntrySchema), required=True, validate=validate.Length(max=40)
    )
    submit = fields.Boolean(
        load_default=False,
        metadata={
            "description": (
                "true: submit the set, for good (every criterion must be scored); "
                "false: save it as a draft"
            )
        },
    )


class AssessorScoreSchema(Schema):
    """One assessor's submitted score and comment."""

    assessor = fields.String(required=True, metadata={"description": "The assessor's name"})
    score = fields.Integer(required=True, validate=SCORE_RANGE)
    comment = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True, allow_none=True)


class AgreedSchema(Schema):
    """The moderated score recorded for a criterion."""

    score = fields.Integer(required=True, validate=SCORE_RANGE)
    note = fields.String(required=True)
    recorded_by = fields.String(required=True, allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)


class CriterionScoresSchema(Schema):
    """The panel's scores against one criterion."""

    criterion_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    criterion = fields.String(required=True)
    scores = fields.List(fields.Nested(AssessorScoreSchema), required=True)
    mean = fields.Float(required=True, allow_none=True)
    spread = fields.Integer(required=True, allow_none=True)
    agreed = fields.Nested(AgreedSchema, required=True, allow_none=True)
    effective = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "The agreed score if recorded, otherwise the mean"},
    )


class ScoreSheetSchema(Schema):
    """An application's scores as the token's owner may see them: the panel's only once they
    have submitted their own set (or, moderating, chose to see them without scoring)."""

    application_id = fields.Integer(required=True)
    scoring_open = fields.Boolean(required=True)
    own_status = fields.String(required=True, validate=validate.OneOf(OWN_STATUSES))
    panel_visible = fields.Boolean(required=True)
    essential_met = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={"description": "null while incomplete, or while the panel is hidden"},
    )
    criteria = fields.List(
        fields.Nested(CriterionScoresSchema),
        required=True,
        allow_none=True,
        metadata={"description": "null until `panel_visible`"},
    )
    links = fields.Nested(OwnLinksSchema, required=True)
