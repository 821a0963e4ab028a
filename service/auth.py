"""The bearer-token check, in one place for the dependencies, the hot route and the middleware.

The middleware uses it to refuse an upload before a byte of its body is read; the routes use it
through `AdminDep`. One function, so tightening the rule can never miss one of the three.
"""

from __future__ import annotations

import hmac

from pydantic import SecretStr

from service.errors import ServiceError

DISABLED_MESSAGE = (
    "this endpoint needs the admin token and none is configured; set AI_STAGE_ADMIN_TOKEN"
)


def token_refusal(authorization: str | None, token: SecretStr | None) -> ServiceError | None:
    """Why a request with this Authorization header may not pass, or None when it may."""
    if token is None or not token.get_secret_value().strip():
        return ServiceError(403, "disabled", DISABLED_MESSAGE)  # an empty token enables nothing
    scheme, _, given = (authorization or "").partition(" ")
    given = given.strip()
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not given or not hmac.compare_digest(given.encode(), expected):
        return ServiceError(
            401,
            "unauthorized",
            "a valid 'Authorization: Bearer <token>' header is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return None


def has_token(authorization: str | None, token: SecretStr | None) -> bool:
    return token_refusal(authorization, token) is None
