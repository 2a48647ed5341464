"""The token's own endpoints: who it acts as, and revoking itself (for a token that leaked)."""

from __future__ import annotations

from typing import Any

from flask import Response, g

from recruit.api.auth import authenticated, current_api_user
from recruit.api.blueprint import v1
from recruit.api.schemas import MeSchema
from recruit.api.spec import response, route
from recruit.extensions import db
from recruit.models import ApiToken, TokenScope
from recruit.services import api_tokens

TAGS = ["Tokens"]


@route(v1, "/me", methods=["GET"], tags=TAGS)
@authenticated(v1)
@response(v1, 200, MeSchema)
def me() -> dict[str, Any]:
    """The account the token acts as, and the token's scope and expiry."""
    user = current_api_user()
    token: ApiToken = g.api_token
    return {
        "user_id": user.id,
        "full_name": user.full_name,
        "role": user.role.value,
        "token": {
            "id": token.id,
            "name": token.name,
            "prefix": token.prefix,
            "scope": token.scope.value,
            "created_at": token.created_at,
            "expires_at": token.expires_at,
        },
    }


# Revoking only takes rights away, so a read token may revoke itself too.
@route(v1, "/me/revoke", methods=["POST"], tags=TAGS)
@authenticated(v1, TokenScope.READ)
@response(v1, 204)
def revoke_own_token() -> Response:
    """Revoke the token making this request; it is refused from the next request on."""
    token: ApiToken = g.api_token
    api_tokens.revoke(token, current_api_user())
    db.session.commit()
    return Response(status=204)
