"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from service import metrics
from service.deps import serving_now
from service.schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthResponse, response_model_exclude_none=True)
def healthz() -> HealthResponse:
    """The process is up (says nothing about the model)."""
    return HealthResponse(status="ok")


@router.get("/readyz", response_model=HealthResponse, responses={503: {"description": "Not ready"}})
def readyz(request: Request) -> HealthResponse:
    """A model is loaded and answers a prediction."""
    serving = serving_now(request.app.state.holder)
    serving.classifier.predict(["readiness probe"])
    return HealthResponse(status="ready", model_version=serving.version)


@router.get("/metrics", response_class=Response)
def prometheus_metrics() -> Response:
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)
