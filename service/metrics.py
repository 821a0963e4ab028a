"""Prometheus metrics: requests and latency per route, predictions per label, serving version.

With several worker processes (`ai-stage serve --workers N`) the server points
PROMETHEUS_MULTIPROC_DIR at a fresh folder before the workers start, and /metrics aggregates
every worker's numbers from there.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "ai_stage_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "ai_stage_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
PREDICTIONS = Counter("ai_stage_predictions_total", "Texts classified, by stage.", ["label"])
MODEL_INFO = Gauge(
    "ai_stage_model_info",
    "1 for the model version a worker is serving.",
    ["version"],
    multiprocess_mode="liveall",
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


# labels() costs more than inc() itself; the label sets are small and fixed, so keep children.
_request_children: dict[tuple[str, str, str], tuple[object, object]] = {}
_prediction_children: dict[str, object] = {}


def observe_request(method: str, route: str, status: str, seconds: float) -> None:
    key = (method, route, status)
    children = _request_children.get(key)
    if children is None:
        children = (REQUESTS.labels(method, route, status), LATENCY.labels(method, route))
        _request_children[key] = children
    children[0].inc()  # type: ignore[attr-defined]
    children[1].observe(seconds)  # type: ignore[attr-defined]


def count_predictions(labels: Iterable[str]) -> None:
    for label in labels:
        child = _prediction_children.get(label)
        if child is None:
            child = _prediction_children[label] = PREDICTIONS.labels(label)
        child.inc()  # type: ignore[attr-defined]


def mark_serving(version: str, previous: str | None) -> None:
    if previous and previous != version:
        MODEL_INFO.labels(version=previous).set(0)
    MODEL_INFO.labels(version=version).set(1)


def render() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
