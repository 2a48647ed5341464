"""recruit: the Midlands Engine executive-recruitment portal and applicant-tracking service."""

from recruit.app import create_app

__all__ = ["create_app"]
