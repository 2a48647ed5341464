"""Authorisation helpers: role gates for views and owner checks for objects."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user

from recruit.models import Role

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger(__name__)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow only logged-in users holding one of `roles`; others get 403, anonymous users 401."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from recruit.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


candidate_required = roles_required(Role.CANDIDATE)
staff_required = roles_required(Role.RECRUITER, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)


def log_not_on_team(vacancy_id: int) -> None:
    """Record, as a security event, a recruiter refused for being outside a hiring team."""
    log.warning(
        "authorisation failure: not on the hiring team",
        extra={
            "event": "authz_denied",
            "reason": "not_on_team",
            "method": request.method,
            "endpoint": request.endpoint or "-",
            "vacancy_id": vacancy_id,
        },
    )
