"""Factories for test data. Each call commits and returns a detached snapshot of the row."""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import Flask
from sqlalchemy import inspect

from recruit.exports.jobs import export_dir
from recruit.extensions import db
from recruit.models import (
    AgreedScore,
    Application,
    ApplicationStatus,
    Criterion,
    CriterionEvidence,
    CriterionKind,
    ExportFormat,
    ExportJob,
    ExportStatus,
    PanelAssignment,
    Role,
    Score,
    StatusChange,
    StoredFile,
    User,
    Vacancy,
    VacancyRecruiter,
    VacancySector,
    VacancyStatus,
    VacancyTheme,
    utcnow,
)
from recruit.passwords import hash_password, hasher

DEFAULT_PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)
# One argon2id hash per password and cost, made once per process: a hash costs tens of
# milliseconds, and every user a test makes would otherwise pay it again.
_HASHES: dict[tuple[str, int, int, int], str] = {}


def known_hash(password: str) -> str:
    """An argon2id hash of `password` at the current app's cost, computed once per process."""
    ph = hasher()
    key = (password, ph.time_cost, ph.memory_cost, ph.parallelism)
    if key not in _HASHES:
        _HASHES[key] = hash_password(password)
    return _HASHES[key]


def snapshot(obj: Any, **extra: Any) -> SimpleNamespace:
    """Column values of `obj`, readable after its session has gone."""
    values = {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}
    values.update(extra)
    return SimpleNamespace(**values)


class Factory:
    """Creates rows in the given app's database."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def user(
        self,
        role: Role = Role.CANDIDATE,
        email: str | None = None,
        full_name: str | None = None,
        password: str = DEFAULT_PASSWORD,
        verified: bool = True,
    ) -> SimpleNamespace:
        """A user with a known password."""
        n = next(_seq)
        with self.app.app_context():
            user = User(
                email=email or f"{role.value}{n}@example.org",
                full_name=full_name or f"Test {role.value.title()} {n}",
                role=role,
                password_hash=known_hash(password),
                email_verified_at=utcnow() if verified else None,
            )
            db.session.add(user)
            db.session.commit()
            return snapshot(user, password=password)

    def candidate(self, **kwargs: Any) -> SimpleNamespace:
        """A verified candidate."""
        return self.user(Role.CANDIDATE, **kwargs)

    def recruiter(self, **kwargs: Any) -> SimpleNamespace:
        """A verified recruiter."""
        return self.user(Role.RECRUITER, **kwargs)

    def admin(self, **kwargs: Any) -> SimpleNamespace:
        """A verified admin."""
        return self.user(Role.ADMIN, **kwargs)

    def vacancy(
        self,
        title: str = "Director of Connectivity",
        status: VacancyStatus = VacancyStatus.PUBLISHED,
        closes_in: timedelta = timedelta(days=14),
        themes: tuple[str, ...] = ("connectivity",),
        sectors: tuple[str, ...] = ("next-generation-transport",),
        recruiter_ids: tuple[int, ...] = (),
        essential: tuple[str, ...] = ("Leadership of a regional transport programme",),
        desirable: tuple[str, ...] = ("Experience of rail investment cases",),
        **fields: Any,
    ) -> SimpleNamespace:
        """A vacancy with criteria and tags, published and open by default."""
        n = next(_seq)
        with self.app.app_context():
            vacancy = Vacancy(
                reference=fields.pop("reference", f"ME-T{n:04d}"),
                title=title,
                summary=fields.pop("summary", f"Lead {title.lower()} across the Midlands."),
                description=fields.pop(
                    "description", "A senior leadership role.\n\nSecond paragraph."
                ),
                location=fields.pop("location", "Nottingham (hybrid)"),
                salary_band=fields.pop("salary_band", "£95,000 to £110,000"),
                contract_type=fields.pop("contract_type", "permanent"),
                closes_at=utcnow() + closes_in,
                status=status,
                published_at=utcnow() if status is not VacancyStatus.DRAFT else None,
                **fields,
            )
            vacancy.criteria = [
                Criterion(kind=CriterionKind.ESSENTIAL, position=i, text=t)
                for i, t in enumerate(essential)
            ] + [
                Criterion(kind=CriterionKind.DESIRABLE, position=i, text=t)
                for i, t in enumerate(desirable)
            ]
            vacancy.theme_tags = [VacancyTheme(theme=t) for t in themes]
            vacancy.sector_tags = [VacancySector(sector=s) for s in sectors]
            db.session.add(vacancy)
            db.session.flush()
            for uid in recruiter_ids:
                db.session.add(VacancyRecruiter(vacancy_id=vacancy.id, user_id=uid))
            db.session.commit()
            criteria = [snapshot(c) for c in vacancy.criteria]
            return snapshot(vacancy, criteria=criteria)

    def application(
        self,
        candidate_id: int,
        vacancy_id: int,
        status: ApplicationStatus = ApplicationStatus.SUBMITTED,
        statement: str = "I have led regional programmes for ten years.",
    ) -> SimpleNamespace:
        """An application with evidence against every criterion."""
        with self.app.app_context():
            vacancy = db.session.get(Vacancy, vacancy_id)
            assert vacancy is not None
            application = Application(
                vacancy_id=vacancy_id,
                candidate_id=candidate_id,
                status=status,
                statement=statement,
                submitted_at=utcnow() if status is not ApplicationStatus.DRAFT else None,
            )
            application.evidence = [
                CriterionEvidence(criterion_id=c.id, text=f"Evidence for {c.text}")
                for c in vacancy.criteria
            ]
            if status is not ApplicationStatus.DRAFT:
                application.history = [
                    StatusChange(from_status=ApplicationStatus.DRAFT, to_status=status)
                ]
            db.session.add(application)
            db.session.commit()
            return snapshot(application)

    def cv(self, application_id: int, content: bytes, name: str = "cv.pdf") -> SimpleNamespace:
        """A PDF CV written to UPLOAD_DIR and attached to the application, as an upload is."""
        with self.app.app_context():
            application = db.session.get(Application, application_id)
            assert application is not None
            key = hashlib.sha256(content + name.encode()).hexdigest()[:32]
            (Path(self.app.config["UPLOAD_DIR"]) / key).write_bytes(content)
            stored = StoredFile(
                owner_id=application.candidate_id,
                storage_key=key,
                original_name=name,
                content_type="application/pdf",
                size_bytes=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
            application.cv_file = stored
            db.session.commit()
            return snapshot(stored)

    def export(
        self,
        vacancy_id: int,
        requested_by_id: int,
        expires_in: timedelta = timedelta(days=1),
        file_name: str = "shortlist.csv",
    ) -> SimpleNamespace:
        """A finished CSV export of the whole vacancy, its file on disk as a worker leaves it."""
        with self.app.app_context():
            job = ExportJob(
                vacancy_id=vacancy_id,
                requested_by_id=requested_by_id,
                format=ExportFormat.CSV,
                selection={"list": None, "statuses": []},
                status=ExportStatus.READY,
                file_name=file_name,
                expires_at=utcnow() + expires_in,
            )
            db.session.add(job)
            db.session.flush()
            job.storage_key = f"export-{job.id}.csv"
            stored = export_dir() / job.storage_key
            stored.write_text("Candidate\r\n", encoding="utf-8")
            job.size_bytes = stored.stat().st_size
            db.session.commit()
            return snapshot(job)

    def panel_member(self, **kwargs: Any) -> SimpleNamespace:
        """A verified panel member."""
        return self.user(Role.PANEL, **kwargs)

    def assign_panel(self, vacancy_id: int, user_id: int) -> None:
        """Put a panel member on a vacancy's panel."""
        with self.app.app_context():
            db.session.add(PanelAssignment(vacancy_id=vacancy_id, user_id=user_id))
            db.session.commit()

    def scores(
        self,
        application_id: int,
        assessor_id: int,
        values: dict[int, int | None],
        submitted: bool = True,
        comment: str = "",
    ) -> None:
        """An assessor's scores for an application, by criterion id."""
        with self.app.app_context():
            for criterion_id, value in values.items():
                db.session.add(
                    Score(
                        application_id=application_id,
                        criterion_id=criterion_id,
                        assessor_id=assessor_id,
                        score=value,
                        comment=comment,
                        submitted_at=utcnow() if submitted else None,
                    )
                )
            db.session.commit()

    def agreed(self, application_id: int, criterion_id: int, score: int) -> None:
        """A moderated score for one criterion."""
        with self.app.app_context():
            db.session.add(
                AgreedScore(application_id=application_id, criterion_id=criterion_id, score=score)
            )
            db.session.commit()

    def adjustment(
        self, application_id: int, text: str = "Extra time in any written exercise"
    ) -> SimpleNamespace:
        """A candidate's request for adjustments on a submitted application, not acknowledged."""
        from recruit.models import AdjustmentRequest

        with self.app.app_context():
            row = AdjustmentRequest(application_id=application_id, text=text, requested_at=utcnow())
            db.session.add(row)
            db.session.commit()
            return snapshot(row)

    def opt_in(self, application_id: int) -> None:
        """The candidate asked to be considered under the guaranteed-interview scheme."""
        from recruit.models import InterviewGuaranteeOptIn

        with self.app.app_context():
            db.session.add(InterviewGuaranteeOptIn(application_id=application_id))
            db.session.commit()

    def join_team(self, vacancy_id: int, user_id: int) -> None:
        """Put a recruiter (or an admin) on a vacancy's hiring team."""
        with self.app.app_context():
            db.session.add(VacancyRecruiter(vacancy_id=vacancy_id, user_id=user_id))
            db.session.commit()

    def team_recruiter(self, *vacancy_ids: int, **kwargs: Any) -> SimpleNamespace:
        """A verified recruiter on the hiring team of each vacancy given."""
        recruiter = self.recruiter(**kwargs)
        for vacancy_id in vacancy_ids:
            self.join_team(vacancy_id, recruiter.id)
        return recruiter

    def access_pack(
        self, user_id: int, expires_in: timedelta = timedelta(days=7), content: bytes = b"PK"
    ) -> SimpleNamespace:
        """A subject access request answered with a ready pack, its file on disk."""
        from recruit.models.privacy import AccessChannel, AccessRequest, AccessRequestStatus
        from recruit.privacy.access_requests import pack_dir

        with self.app.app_context():
            request = AccessRequest(
                user_id=user_id,
                requested_by_id=user_id,
                channel=AccessChannel.ONLINE,
                received_at=utcnow(),
                due_at=utcnow() + timedelta(days=30),
                status=AccessRequestStatus.READY,
                ready_at=utcnow(),
                expires_at=utcnow() + expires_in,
            )
            db.session.add(request)
            db.session.flush()
            request.file_name = f"access-pack-{request.id}.zip"
            (pack_dir() / request.file_name).write_bytes(content)
            db.session.commit()
            return snapshot(request)
