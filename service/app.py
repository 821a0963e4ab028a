"""create_app(settings) -> FastAPI. Nothing happens at import; the model loads in the lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from classifier import __version__
from classifier.errors import ClassifierError
from classifier.registry import Registry
from service import metrics, paths
from service.bootstrap import ensure_model
from service.config import Settings
from service.errors import install_error_handlers
from service.holder import ModelHolder
from service.jobs import clean_up
from service.middleware import RequestMiddleware
from service.responses import SafeJSONResponse
from service.review_queue import ReviewQueue
from service.routes import classify, feedback, health, labels, models, review, tag_jobs, training
from service.store import Store

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("ai_stage.app")

DESCRIPTION = """
Tags AI product descriptions and AI news with the stage of AI they describe:
**perception**, **generative**, **agentic**, **physical**, or **none**.

Every error has the same shape: `{"error": {"code", "message", "details"?}}`.
"""


def _start_holder(settings: Settings) -> ModelHolder:
    registry = Registry(settings.models_dir)
    holder = ModelHolder(registry, on_swap=metrics.mark_serving)
    try:
        if settings.train_if_empty:
            # As in the CLI and `serve`: a data folder someone chose gets no shipped model.
            chosen = settings.data_dir if "data_dir" in settings.model_fields_set else None
            shipped = paths.shipped_models(paths.data_dir(chosen))
            ensure_model(registry, settings.data_dir, log.info, shipped=shipped)
        holder.load_current()
    except ClassifierError as exc:
        # Stay up and say why on /readyz; the watcher picks up a model once one is promoted.
        holder.last_error = exc.message
        log.error("no model to serve yet: %s", exc.message)
    return holder


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = Store(settings.database)
        app.state.review = ReviewQueue(app.state.store)
        with contextlib.suppress(OSError):  # a clean-up problem must not stop the service
            clean_up(app.state.store, settings.keep_jobs_seconds, settings.keep_jobs)
        holder = await anyio.to_thread.run_sync(_start_holder, settings)
        app.state.holder = holder
        holder.start_watching(settings.reload_interval)
        try:
            yield
        finally:
            holder.stop_watching()

    app = FastAPI(
        default_response_class=SafeJSONResponse,
        title="ai-stage",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    for module in (classify, labels, models, feedback, review, training, tag_jobs, health):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.add_middleware(
        RequestMiddleware,
        limit=settings.max_body_bytes,
        upload_limits={
            "/v1/train": (settings.max_train_upload_bytes, "AI_STAGE_MAX_TRAIN_UPLOAD_BYTES"),
            "/v1/tag-jobs": (settings.max_upload_bytes, "AI_STAGE_MAX_UPLOAD_BYTES"),
        },
        token=settings.admin_token,
    )
    return app


def app_from_environment() -> FastAPI:
    """uvicorn factory for worker processes: settings come from AI_STAGE_* variables."""
    return create_app(Settings())
