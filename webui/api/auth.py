"""Bearer-token authentication of every ``/api/v1`` call (except the public OpenAPI document)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request

from crm.api_tokens import authenticate_token
from webui.api.core import is_public, operation
from webui.api.problems import unauthorized


def init_auth(bp: Blueprint) -> None:
    @bp.before_request
    def require_token() -> Any:
        if is_public(request.endpoint):
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            return unauthorized("Send your API token: Authorization: Bearer <token>.")
        if scheme.lower() != "bearer" or not token.strip():
            return unauthorized("Use the Bearer scheme: Authorization: Bearer <token>.")
        g.api_user = authenticate_token(token.strip())  # ApiTokenInvalid -> 401
        return None


@operation("GET", "/me", summary="The user your token acts as", tag="Account", ok=(200, "Me"))
def me() -> Any:
    """Who the token belongs to, with their roles: a quick check that a token works."""
    from webui.api.core import actor

    user = actor()
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email or "",
        "roles": sorted(user.role_codes),
        "department_id": user.department_id,
    }
