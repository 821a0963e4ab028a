"""Request dependencies, as `Annotated` aliases the routes declare."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.auth import token_refusal
from service.config import Settings
from service.errors import ServiceError
from service.holder import ModelHolder, Serving
from service.review_queue import ReviewQueue
from service.store import Store

# The dependencies are `async def` on purpose: they only read app state, and FastAPI would run a
# plain `def` dependency in the thread pool, a hop that costs more than the work itself.


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


async def get_store(request: Request) -> Store:
    return request.app.state.store


async def get_review_queue(request: Request) -> ReviewQueue:
    return request.app.state.review


def serving_now(holder: ModelHolder) -> Serving:
    """The model answering requests, or the one 503 every route gives while there is none."""
    serving = holder.current()
    if serving is None:
        raise ServiceError(503, "not_ready", "no model is loaded yet; try again shortly")
    return serving


async def get_serving(request: Request) -> Serving:
    return serving_now(request.app.state.holder)


def _check_token(request: Request, settings: Settings) -> None:
    refusal = token_refusal(request.headers.get("authorization"), settings.admin_token)
    if refusal is not None:
        raise refusal


async def require_admin(request: Request) -> None:
    _check_token(request, request.app.state.settings)


async def require_classify_access(request: Request) -> None:
    settings = request.app.state.settings
    if settings.require_token_for_classify:
        _check_token(request, settings)


SettingsDep = Annotated[Settings, Depends(get_settings)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
StoreDep = Annotated[Store, Depends(get_store)]
ReviewDep = Annotated[ReviewQueue, Depends(get_review_queue)]
ServingDep = Annotated[Serving, Depends(get_serving)]
AdminDep = Annotated[None, Depends(require_admin)]
ClassifyAccessDep = Annotated[None, Depends(require_classify_access)]
