"""GET /v1/labels and /v1/labels/{label_id}: the stage definitions, in English or Chinese."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from classifier.taxonomy import Stage, load_taxonomy
from service.schemas import ERROR_RESPONSES, ExampleOut, LabelsResponse, RuleOut, StageOut

router = APIRouter(prefix="/v1", tags=["labels"], responses=ERROR_RESPONSES)

Lang = Literal["en", "zh-Hant"]
LangQuery = Query("en", description="Language of the definitions: en or zh-Hant.")


def _stage_out(stage: Stage, lang: Lang) -> StageOut:
    taxonomy = load_taxonomy()
    return StageOut(
        id=stage.id,  # type: ignore[arg-type]
        order=stage.order,
        name=stage.names.in_(lang),
        summary=stage.summary.in_(lang),
        definition=stage.definition.in_(lang),
        capabilities=list(stage.capabilities.in_(lang)),
        examples=[
            ExampleOut(name=e.name, description=e.en if lang == "en" else e.zh_hant)
            for e in stage.examples
        ],
        rules=[
            RuleOut(id=r.id, text=r.en if lang == "en" else r.zh_hant)
            for r in taxonomy.rules_for(stage.id)
        ],
    )


@router.get("/labels", response_model=LabelsResponse)
def list_labels(lang: Lang = LangQuery) -> LabelsResponse:
    """Every stage with its definition, capabilities, the article's examples and the rules."""
    stages = load_taxonomy().stages
    return LabelsResponse(lang=lang, labels=[_stage_out(s, lang) for s in stages])


@router.get("/labels/{label_id}", response_model=StageOut)
def get_label(label_id: str, lang: Lang = LangQuery) -> StageOut:
    """One stage; an unknown id is a 404 naming the valid ones."""
    return _stage_out(load_taxonomy().stage(label_id), lang)
