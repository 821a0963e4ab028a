"""The one place where failures become HTTP responses, all in one JSON shape::

    {"error": {"code": "invalid_input", "message": "...", "details": [...]}}

Domain errors map by class through `STATUS_BY_ERROR`; request validation errors (bad JSON,
wrong types, unknown fields) are reshaped into the same body; anything unexpected is logged with
its traceback and answered with a generic 500 that leaks nothing.
"""

from __future__ import annotations

import itertools
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from classifier.errors import (
    AlreadyAnsweredError,
    ClassifierError,
    DatasetError,
    InvalidInputError,
    JobConflictError,
    JobNotFoundError,
    ModelIntegrityError,
    ModelNotFoundError,
    NotTrainedError,
    QualityGateError,
    ReviewItemNotFoundError,
    TaxonomyError,
)
from service.limits import MAX_ERROR_DETAILS
from service.messages import for_users
from service.responses import SafeJSONResponse

log = logging.getLogger("ai_stage.errors")

STATUS_BY_ERROR: dict[type[ClassifierError], tuple[int, str]] = {
    InvalidInputError: (422, "invalid_input"),
    DatasetError: (422, "invalid_dataset"),
    TaxonomyError: (404, "unknown_label"),
    ModelNotFoundError: (404, "model_not_found"),
    ModelIntegrityError: (409, "model_integrity"),
    NotTrainedError: (503, "not_ready"),
    QualityGateError: (409, "quality_gate"),
    JobConflictError: (409, "job_conflict"),
    JobNotFoundError: (404, "job_not_found"),
    ReviewItemNotFoundError: (404, "review_item_not_found"),
    AlreadyAnsweredError: (409, "already_answered"),
}


class ServiceError(Exception):
    """An HTTP-level refusal raised by the service itself (auth, limits, readiness)."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_body(
    code: str, message: str, details: list | None = None, total: int | None = None
) -> dict:
    """The one error shape. At most MAX_ERROR_DETAILS details are listed and `more_details`
    counts the rest (of `total`, when the caller listed only the first few), so a request with a
    million bad items gets a short answer."""
    error: dict[str, object] = {"code": code, "message": message}
    if details:
        error["details"] = details[:MAX_ERROR_DETAILS]
        more = max(len(details), total or 0) - len(error["details"])  # type: ignore[arg-type]
        if more > 0:
            error["more_details"] = more
    return {"error": error}


def error_response(
    status: int,
    code: str,
    message: str,
    details: list | None = None,
    headers: dict | None = None,
    total: int | None = None,
) -> SafeJSONResponse:
    body = error_body(code, message, details, total)
    return SafeJSONResponse(body, status_code=status, headers=headers)


def _classifier_error(_request: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, ClassifierError)
    for kind in type(exc).__mro__:
        if kind in STATUS_BY_ERROR:
            status, code = STATUS_BY_ERROR[kind]
            break
    else:
        status, code = 400, "classifier_error"
    problems = exc.problems if isinstance(exc, DatasetError) else []
    details = [for_users(str(p)) for p in problems[:MAX_ERROR_DETAILS]] or None
    message = for_users(exc.message.splitlines()[0])
    return error_response(status, code, message, details, total=len(problems))


def _service_error(_request: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, ServiceError)
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers)


def _validation_error(_request: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    details = []
    for error in itertools.islice(errors, MAX_ERROR_DETAILS):
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "invalid JSON")
            position = error.get("loc", ("body", "?"))[-1]
            details.append({"field": "body", "message": f"invalid JSON at {position}: {reason}"})
            continue
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        details.append({"field": location or "body", "message": error.get("msg", "invalid")})
    first = details[0] if details else {"field": "body", "message": "invalid request"}
    message = f"{first['field']}: {first['message']}"
    return error_response(422, "invalid_request", message, details, total=len(errors))


def _http_error(_request: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        400: "bad_request",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        415: "unsupported_media_type",
    }
    code = codes.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


def _unexpected(_request: Request, exc: Exception) -> SafeJSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "internal error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClassifierError, _classifier_error)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
