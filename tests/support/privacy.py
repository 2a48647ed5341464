"""Data-rights test helpers: a person with a row in every table the access pack covers, and
reading a built pack back from its ZIP."""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from flask import Flask

from recruit.extensions import db
from recruit.models import (
    AccountToken,
    AdjustmentRequest,
    ApiToken,
    ApplicationNote,
    ExportDownload,
    GuaranteeOverride,
    IdentityReveal,
    InterviewGuaranteeOptIn,
    JobAlert,
    MonitoringResponse,
    PanelAssignment,
    StatusChange,
    TokenPurpose,
    TokenScope,
    User,
    Vacancy,
    WebSession,
    utcnow,
)
from recruit.models import ApplicationStatus as S
from recruit.models.privacy import AccessChannel, AccessPackDownload, AccessRequest
from recruit.monitoring.pseudonym import pseudonym
from recruit.monitoring.questions import QUESTIONS
from recruit.notifications import catalog
from recruit.services.audit import record
from testkit.factories import Factory

HOSTILE_NAME = '<script>alert("pwned")</script> Zoë Ó Súilleabháin'


@dataclass
class Pack:
    """A built pack, opened: the ZIP's names, its JSON and its summary."""

    names: list[str]
    data: dict[str, Any]
    summary: str
    raw: bytes
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """data.json as text, for looking for strings anywhere in it."""
        return json.dumps(self.data, ensure_ascii=False)


def open_pack(body: bytes) -> Pack:
    """Read a pack's ZIP as a person would after downloading it."""
    bundle = zipfile.ZipFile(io.BytesIO(body))
    names = bundle.namelist()
    files = {n: bundle.read(n) for n in names if n.startswith("files/")}
    return Pack(
        names=names,
        data=json.loads(bundle.read("data.json")),
        summary=bundle.read("summary.html").decode("utf-8"),
        raw=body,
        files=files,
    )


@dataclass
class Everything:
    """A candidate and a recruiter with rows in every covered table, and what marks each row."""

    candidate: SimpleNamespace
    recruiter: SimpleNamespace
    bystander: SimpleNamespace
    application_id: int
    markers: dict[str, str]  # section -> a string that must appear in that section's rows
    secrets: list[str]  # strings that must appear in no pack
    cv: bytes = b""


def _mark(name: str) -> str:
    return f"{name}-{secrets.token_hex(4)}"


def fill_everything(app: Flask, make: Factory) -> Everything:
    """One row, or more, in every table REGISTRY covers, for a candidate and a recruiter."""
    m = {s: _mark(s) for s in ("statement", "cv", "score", "agreed", "note", "reveal", "adjust")}
    m |= {s: _mark(s) for s in ("override", "monitoring", "audit", "history", "session_data")}
    m["alert"] = _mark("alert")
    candidate = make.candidate(full_name=HOSTILE_NAME, email=f"{_mark('zoe')}@example.org")
    recruiter = make.recruiter(full_name=f"Staff {_mark('name')}")
    bystander = make.candidate(full_name=f"Bystander {_mark('name')}")
    vacancy = make.vacancy(recruiter_ids=(recruiter.id,))
    application = make.application(candidate.id, vacancy.id, S.SHORTLISTED, m["statement"])
    theirs = make.application(bystander.id, vacancy.id, S.SHORTLISTED, _mark("theirs"))
    cv = f"%PDF-1.4 {m['cv']}".encode()
    make.cv(application.id, cv, name="../../My CV.pdf")
    essential = vacancy.criteria[0].id
    make.scores(application.id, recruiter.id, {essential: 3}, comment=m["score"])
    make.agreed(application.id, essential, 3)
    export = make.export(vacancy.id, recruiter.id)
    token_hash, session_hash = secrets.token_hex(32), secrets.token_hex(32)
    with app.app_context():
        me = db.session.get(User, candidate.id)
        staff = db.session.get(User, recruiter.id)
        assert me is not None and staff is not None
        db.session.get(Vacancy, vacancy.id).created_by_id = recruiter.id  # type: ignore[union-attr]
        aid = application.id
        db.session.add_all(
            [
                StatusChange(
                    application_id=aid,
                    from_status=S.UNDER_REVIEW,
                    to_status=S.SHORTLISTED,
                    changed_by_id=recruiter.id,
                    note=m["history"],
                ),
                ApplicationNote(application_id=aid, author_id=recruiter.id, body=m["note"]),
                IdentityReveal(application_id=aid, revealed_by_id=recruiter.id, reason=m["reveal"]),
                AdjustmentRequest(application_id=aid, text=m["adjust"]),
                InterviewGuaranteeOptIn(application_id=aid),
                GuaranteeOverride(application_id=aid, reason=m["override"], decided_by_id=staff.id),
                MonitoringResponse(
                    pseudonym=pseudonym(aid),
                    answers={QUESTIONS[0].slug: QUESTIONS[0].options[0][0], "x": m["monitoring"]},
                ),
                MonitoringResponse(pseudonym=pseudonym(theirs.id), answers={"age": "not-theirs"}),
                WebSession(id_hash=session_hash, user_id=me.id, data={"x": m["session_data"]}),
                AccountToken(
                    user_id=me.id,
                    purpose=TokenPurpose.VERIFY_EMAIL,
                    token_hash=token_hash,
                    expires_at=utcnow() + timedelta(hours=1),
                ),
                PanelAssignment(vacancy_id=vacancy.id, user_id=staff.id),
                JobAlert(user_id=me.id, theme="skills", keywords=m["alert"]),
                ExportDownload(export_id=export.id, user_id=staff.id),
                ApiToken(
                    user_id=staff.id,
                    name="Pack token",
                    prefix="rct_pack",
                    token_hash="0" * 64,
                    scope=TokenScope.READ,
                    expires_at=utcnow() + timedelta(days=7),
                ),
            ]
        )
        request = AccessRequest(
            user_id=me.id,
            requested_by_id=me.id,
            channel=AccessChannel.ONLINE,
            received_at=utcnow(),
            due_at=utcnow() + timedelta(days=30),
        )
        db.session.add(request)
        db.session.flush()
        db.session.add(AccessPackDownload(request_id=request.id, user_id=staff.id))
        record("score_overridden", staff, subject_user_id=me.id, detail=m["audit"])
        live_token = _mark("live-token")
        catalog.verify_email(me, live_token, 1)
        db.session.commit()
    return Everything(
        candidate=candidate,
        recruiter=recruiter,
        bystander=bystander,
        application_id=application.id,
        markers=m,
        secrets=[token_hash, session_hash, m["session_data"], live_token, "argon2id"],
        cv=cv,
    )


# Where each marker must show up in the candidate's pack.
MARKED_SECTIONS = {
    "statement": "applications",
    "history": "status_history",
    "score": "scores",
    "note": "notes",
    "reveal": "identity_reveals",
    "adjust": "adjustments",
    "override": "guaranteed_interview_decisions",
    "monitoring": "monitoring_answers",
    "audit": "security_events",
    "alert": "job_alerts",
}
# Sections only a member of staff has rows in.
STAFF_SECTIONS = frozenset(
    {
        "staff_vacancies",
        "staff_panels",
        "staff_vacancies_created",
        "staff_exports",
        "staff_export_downloads",
        "staff_api_tokens",
    }
)
