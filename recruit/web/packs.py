"""Sending a subject access pack: audit the download, then the file, never cached."""

from __future__ import annotations

import logging

from flask import request, send_from_directory
from werkzeug.wrappers import Response

from recruit.extensions import db
from recruit.models import User
from recruit.models.privacy import AccessRequest
from recruit.privacy import access_requests

log = logging.getLogger(__name__)


def send_access_pack(found: AccessRequest, user: User, message: str) -> Response:
    """Record `user`'s download of the ready pack, commit it, and send the file."""
    # The download is committed before the file goes: no pack leaves without its audit row.
    access_requests.record_download(found, user, request.remote_addr or "")
    db.session.commit()
    log.info(message, extra={"event": "access_pack_downloaded"})
    assert found.file_name is not None
    response = send_from_directory(
        access_requests.pack_dir(),
        found.file_name,
        as_attachment=True,
        download_name=access_requests.download_name(found),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
