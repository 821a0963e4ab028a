"""GET /v1/model (the serving model's manifest) and /v1/models (every published version)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from service.auth import has_token
from service.deps import AdminDep, HolderDep, ServingDep
from service.schemas import ERROR_RESPONSES, ModelEntry, ModelsResponse, PromotionOut

router = APIRouter(prefix="/v1", tags=["models"], responses=ERROR_RESPONSES)


@router.get("/model")
def serving_model(serving: ServingDep, request: Request) -> dict:
    """The manifest of the model answering requests: data, metrics, library versions.

    Examples of the model's mistakes are training texts and users' corrections, so they are
    included only for the admin token holder."""
    settings = request.app.state.settings
    if has_token(request.headers.get("authorization"), settings.admin_token):
        return serving.manifest.model_dump()
    return serving.manifest.public()


@router.get("/models", response_model=ModelsResponse)
def list_models(holder: HolderDep) -> ModelsResponse:
    serving = holder.current()
    serving_version = serving.version if serving else None
    infos = holder.registry.list()
    return ModelsResponse(
        current=holder.registry.current_version(),
        serving=serving_version,
        models=[
            ModelEntry(
                version=i.version,
                created_at=i.created_at,
                current=i.current,
                serving=i.version == serving_version,
                cv_macro_f1=i.macro_f1,
                examples=i.examples,
            )
            for i in infos
        ],
    )


@router.post("/models/{version}/promote", response_model=PromotionOut)
def promote(version: str, holder: HolderDep, _admin: AdminDep) -> PromotionOut:
    """Make a published version current; every worker serves it within a second or two."""
    serving = holder.promote(version)
    return PromotionOut(current=version, serving=serving.version)


@router.post("/models/rollback", response_model=PromotionOut)
def rollback(holder: HolderDep, _admin: AdminDep) -> PromotionOut:
    """Make the previously current version current again."""
    serving = holder.rollback()
    return PromotionOut(current=serving.version, serving=serving.version)
