"""Pure ASGI middleware: the request body limit, and one log line plus metrics per request.

Written against ASGI directly rather than `BaseHTTPMiddleware`, which would buffer responses and
add a task per request on the hot path.
"""

from __future__ import annotations

import json
import logging
import time

from fastapi import HTTPException
from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import metrics
from service.auth import token_refusal
from service.errors import error_body

access_log = logging.getLogger("ai_stage.access")

# On every response: no MIME sniffing, no framing, no referrer. The page (and its files) also
# gets a policy allowing only our own scripts and styles (it has no inline script or style
# attribute) and calls back to this origin; /docs keeps FastAPI's defaults.
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
PAGE_HEADERS = (
    *SECURITY_HEADERS,
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
)


class RequestMiddleware:
    """Per request: the body-size limit, then one log line and the metrics.

    Limit: bodies over the limit get 413 whether or not Content-Length is sent; the two upload
    endpoints have limits of their own (`upload_limits`: path -> (bytes, setting name)).

    Log: one structured line with method, route, status, latency and model version. The route
    is the path template ("/v1/labels/{label_id}"), so metrics stay low-cardinality and logs
    never carry identifiers from the URL or any text from the body.

    One middleware instead of two: each ASGI layer costs time on every request.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        upload_limits: dict[str, tuple[int, str]],
        token: SecretStr | None = None,
    ) -> None:
        self.app, self.body_limit, self.upload_limits = app, limit, upload_limits
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        path = scope["path"]
        extra = PAGE_HEADERS if path == "/" or path.startswith("/static/") else SECURITY_HEADERS

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            if path in self.upload_limits and not await self._authorised(scope, recording_send):
                return
            limited = await self._limit(scope, receive, recording_send)
            if limited is not None:
                await self.app(scope, limited, recording_send)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    async def _authorised(self, scope: Scope, send: Send) -> bool:
        """Uploads need the token: refuse before reading the body, so a stranger's upload costs
        nothing. (The route checks it again through `AdminDep`.)"""
        authorization = None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                authorization = value.decode("latin-1")
        refusal = token_refusal(authorization, self.token)
        if refusal is None:
            return True
        headers = [(k.lower().encode(), v.encode()) for k, v in (refusal.headers or {}).items()]
        await _send_json(send, refusal.status, error_body(refusal.code, refusal.message), headers)
        return False

    async def _limit(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """A receive that enforces the limit, or None when a 413 was already sent."""
        limit, setting = self.upload_limits.get(
            scope["path"], (self.body_limit, "AI_STAGE_MAX_BODY_BYTES")
        )
        message = f"request body is over the limit of {limit:,} bytes ({setting})"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _send_json(send, 413, error_body("too_large", message))
                    return None
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            incoming = await receive()
            if incoming["type"] == "http.request":
                received += len(incoming.get("body", b""))
                if received > limit:
                    raise HTTPException(413, message)
            return incoming

        return limited_receive

    @staticmethod
    def _record(scope: Scope, status: int, elapsed: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        method = scope["method"]
        metrics.observe_request(method, route, str(status), elapsed)
        if access_log.isEnabledFor(logging.INFO):
            app = scope.get("app")
            holder = getattr(app.state, "holder", None) if app is not None else None
            serving = holder.current() if holder else None
            access_log.info(
                json.dumps(
                    {
                        "method": method,
                        "route": route,
                        "status": status,
                        "latency_ms": round(elapsed * 1000, 2),
                        "model_version": serving.version if serving else None,
                    }
                )
            )


async def _send_json(
    send: Send, status: int, body: dict, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
