"""Pure ASGI middleware: the request body limit, and one log line plus metrics per request.

Written against ASGI directly rather than `BaseHTTPMiddleware`, which would buffer responses and
add a task per request on the hot path.
"""

from __future__ import annotations

import json
import logging
import time

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import metrics
from service.errors import error_body

access_log = logging.getLogger("ai_stage.access")


class RequestMiddleware:
    """Per request: the body-size limit, then one log line and the metrics.

    Limit: bodies over the limit get 413 whether or not Content-Length is sent; the two upload
    endpoints have limits of their own (`upload_limits`: path -> (bytes, setting name)).

    Log: one structured line with method, route, status, latency and model version. The route
    is the path template ("/v1/labels/{label_id}"), so metrics stay low-cardinality and logs
    never carry identifiers from the URL or any text from the body.

    One middleware instead of two: each ASGI layer costs time on every request.
    """

    def __init__(self, app: ASGIApp, limit: int, upload_limits: dict[str, tuple[int, str]]) -> None:
        self.app, self.body_limit, self.upload_limits = app, limit, upload_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            limited = await self._limit(scope, receive, recording_send)
            if limited is not None:
                await self.app(scope, limited, recording_send)
        finally:
            self._record(scope, status, time.perf_counter() - started)

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


async def _send_json(send: Send, status: int, body: dict) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
