"""`ai-stage serve`: make sure a model exists, then run uvicorn with one or more workers.

The default model is trained here, once, before any worker starts, so workers never race to
train. Effective settings are exported as AI_STAGE_* variables because each uvicorn worker
process builds its own app from the environment.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

from classifier.bootstrap import ensure_model
from classifier.errors import ClassifierError
from classifier.registry import Registry
from service.config import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def serve(
    models_dir: str | None = None,
    data_dir: str | None = None,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
) -> int:
    overrides = {
        "models_dir": models_dir,
        "data_dir": data_dir,
        "host": host,
        "port": port,
        "workers": workers,
    }
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    os.environ.update(
        {
            "AI_STAGE_MODELS_DIR": str(Path(settings.models_dir).resolve()),
            "AI_STAGE_DATA_DIR": str(Path(settings.data_dir).resolve()),
        }
    )
    registry = Registry(settings.models_dir)
    registry.remove_incomplete()
    if settings.train_if_empty:
        try:
            ensure_model(registry, settings.data_dir, _say)
        except ClassifierError as exc:
            _say(f"error: {exc.message}")
            return 2
    # Aggregate metrics across workers (must be set before prometheus_client is imported).
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="ai-stage-metrics-"))

    import uvicorn

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    _say(f"serving on http://{settings.host}:{settings.port} with {settings.workers} worker(s)")
    uvicorn.run(
        "service.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        access_log=False,
        log_level="info",
    )
    return 0
