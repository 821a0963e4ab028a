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

from classifier.errors import ClassifierError
from classifier.registry import Registry
from service import paths
from service.bootstrap import ensure_model
from service.config import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def serve(
    models_dir: str | None = None,
    data_dir: str | None = None,
    database: str | None = None,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
) -> int:
    """Flags win over AI_STAGE_* variables, which win over the defaults (`service.paths`)."""
    overrides = {
        "models_dir": paths.models_dir(models_dir).path,
        "data_dir": paths.data_dir(data_dir).path,
        "database": paths.database(database).path,
        "host": host,
        "port": port,
        "workers": workers,
    }
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    shipped = paths.shipped_models(paths.data_dir(data_dir))
    # Each uvicorn worker builds its settings from the environment: hand it what was decided.
    os.environ.update(
        {
            paths.MODELS_ENV: str(Path(settings.models_dir).resolve()),
            paths.DATA_ENV: str(Path(settings.data_dir).resolve()),
            paths.DATABASE_ENV: str(Path(settings.database).resolve()),
        }
    )
    registry = Registry(settings.models_dir)
    registry.remove_incomplete()
    if settings.train_if_empty:
        try:
            ensure_model(registry, settings.data_dir, _say, shipped=shipped)
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
        limit_concurrency=settings.limit_concurrency,
        timeout_keep_alive=settings.timeout_keep_alive,
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )
    return 0
