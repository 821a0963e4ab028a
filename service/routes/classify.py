"""POST /v1/classify and /v1/classify/batch.

Prediction is CPU work. On the fast path a short text takes a fraction of a millisecond, less
than handing it to a thread and back, so texts up to `INLINE_CHARS` (in total, for a batch) are
predicted right on the event loop; anything longer goes to the thread pool, so a long article
never holds up the other requests. See bench/RESULTS.md for what each choice costs.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from classifier.model import Prediction
from service import metrics
from service.config import Settings
from service.deps import (
    ClassifyAccessDep,
    ReviewDep,
    ServingDep,
    SettingsDep,
    require_classify_access,
    serving_now,
)
from service.errors import ServiceError
from service.holder import Serving
from service.responses import SafeJSONResponse
from service.review import capture_after_answering
from service.review_queue import ReviewQueue
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
INLINE_CHARS = 2_000


async def _predict(
    serving: Serving, texts: list[str], explain: bool, max_chars: int
) -> list[Prediction]:
    predict = serving.classifier.predict
    if sum(len(t) for t in texts) <= INLINE_CHARS:
        return predict(texts, explain=explain, max_chars=max_chars)
    return await run_in_threadpool(predict, texts, explain=explain, max_chars=max_chars)


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


def _capture_later(
    queue: ReviewQueue,
    settings: Settings,
    texts: list[str],
    predictions: list[Prediction],
    version: str,
) -> BackgroundTask | None:
    """Doubtful answers go to the review queue after the response is sent, and only when the
    operator turned capture on."""
    if not settings.review_capture:
        return None
    policy = settings.review_policy()
    return BackgroundTask(capture_after_answering, queue, policy, texts, predictions, version)


def _terms(prediction: Prediction, explain: bool) -> dict[str, list[TermOut]]:
    """`terms` is set only when asked for, so the key is absent (not null) otherwise."""
    if not explain:
        return {}
    return {"terms": [TermOut(term=t.term, weight=t.weight) for t in prediction.terms]}


@router.post("/classify", response_model=ClassifyResponse)
async def classify(body: ClassifyRequest, request: Request) -> Response:
    """Classify one text: its stage, the probability of every stage and, on request, why."""
    # The hot path: state is read directly and the answer serialised once, rather than through
    # dependency injection and a second validation against the response model (which still
    # documents the shape in the OpenAPI schema). bench/RESULTS.md shows what this buys.
    state = request.app.state
    settings = state.settings
    if settings.require_token_for_classify:
        await require_classify_access(request)
    serving = serving_now(state.holder)
    _check_lengths([body.text], settings.max_text_chars, "text")
    [prediction] = await _predict(serving, [body.text], body.explain, settings.max_text_chars)
    metrics.count_predictions([prediction.label])
    capture = _capture_later(state.review, settings, [body.text], [prediction], serving.version)
    answer: dict[str, object] = {
        "label": prediction.label,
        "confidence": prediction.confidence,
        "scores": prediction.scores,
        "model_version": serving.version,
    }
    if body.explain:
        answer["terms"] = [{"term": t.term, "weight": t.weight} for t in prediction.terms]
    return SafeJSONResponse(answer, background=capture)


@router.post("/classify/batch", response_model=BatchResponse, response_model_exclude_unset=True)
async def classify_batch(
    body: BatchRequest,
    serving: ServingDep,
    settings: SettingsDep,
    queue: ReviewDep,
    background: BackgroundTasks,
    _access: ClassifyAccessDep,
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
    predictions = await _predict(serving, texts, body.explain, settings.max_text_chars)
    metrics.count_predictions(p.label for p in predictions)
    capture = _capture_later(queue, settings, texts, predictions, serving.version)
    if capture is not None:
        background.add_task(capture)
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
