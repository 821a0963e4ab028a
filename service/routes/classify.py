"""POST /v1/classify and /v1/classify/batch.

Plain `def` routes: prediction is CPU work, so FastAPI runs it in its thread pool and the event
loop stays free for other requests.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from classifier.model import Prediction
from service import metrics
from service.deps import ClassifyAccessDep, ServingDep, SettingsDep
from service.errors import ServiceError
from service.schemas import (
    ERROR_RESPONSES,
    BatchRequest,
    BatchResponse,
    BatchResult,
    ClassifyRequest,
    ClassifyResponse,
    TermOut,
)

router = APIRouter(prefix="/v1", tags=["classify"], responses=ERROR_RESPONSES)


def _check_lengths(texts: Sequence[str], limit: int, field: str) -> None:
    for index, text in enumerate(texts):
        where = field.format(index=index)
        if not text.strip():
            raise ServiceError(422, "invalid_input", f"{where} is empty")
        if len(text) > limit:
            raise ServiceError(
                413,
                "too_large",
                f"{where} has {len(text):,} characters; the limit is {limit:,} "
                "(AI_STAGE_MAX_TEXT_CHARS)",
            )


def _terms(prediction: Prediction, explain: bool) -> dict[str, list[TermOut]]:
    """`terms` is set only when asked for, so the key is absent (not null) otherwise."""
    if not explain:
        return {}
    return {"terms": [TermOut(term=t.term, weight=t.weight) for t in prediction.terms]}


@router.post("/classify", response_model=ClassifyResponse, response_model_exclude_unset=True)
def classify(
    body: ClassifyRequest, serving: ServingDep, settings: SettingsDep, _access: ClassifyAccessDep
) -> ClassifyResponse:
    """Classify one text: its stage, the probability of every stage and, on request, why."""
    _check_lengths([body.text], settings.max_text_chars, "text")
    [prediction] = serving.classifier.predict(
        [body.text], explain=body.explain, max_chars=settings.max_text_chars
    )
    metrics.count_predictions([prediction.label])
    return ClassifyResponse(
        label=prediction.label,
        confidence=prediction.confidence,
        scores=prediction.scores,
        model_version=serving.version,
        **_terms(prediction, body.explain),
    )


@router.post("/classify/batch", response_model=BatchResponse, response_model_exclude_unset=True)
def classify_batch(
    body: BatchRequest, serving: ServingDep, settings: SettingsDep, _access: ClassifyAccessDep
) -> BatchResponse:
    """Classify many texts in one vectorised prediction; results keep the order of the items."""
    if len(body.items) > settings.max_batch_items:
        raise ServiceError(
            413,
            "too_large",
            f"items has {len(body.items):,} entries; the limit is {settings.max_batch_items:,} "
            "(AI_STAGE_MAX_BATCH_ITEMS)",
        )
    texts = [item.text for item in body.items]
    _check_lengths(texts, settings.max_text_chars, "items.{index}.text")
    predictions = serving.classifier.predict(
        texts, explain=body.explain, max_chars=settings.max_text_chars
    )
    metrics.count_predictions(p.label for p in predictions)
    return BatchResponse(
        results=[
            BatchResult(
                id=item.id,
                label=p.label,
                confidence=p.confidence,
                scores=p.scores,
                **_terms(p, body.explain),
            )
            for item, p in zip(body.items, predictions, strict=True)
        ],
        model_version=serving.version,
    )
