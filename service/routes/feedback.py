"""POST /v1/feedback (store a correction) and GET /v1/feedback (list them, paged)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.deps import AdminDep, SettingsDep, StoreDep
from service.errors import ServiceError
from service.schemas import ERROR_RESPONSES, FeedbackOut, FeedbackPage, FeedbackRequest

router = APIRouter(prefix="/v1", tags=["feedback"], responses=ERROR_RESPONSES)


@router.post("/feedback", status_code=201, response_model=FeedbackOut)
def add_feedback(
    body: FeedbackRequest, store: StoreDep, settings: SettingsDep, _admin: AdminDep
) -> FeedbackOut:
    """Record the right label for a text; corrections can be used by the next training job."""
    if len(body.text) > settings.max_text_chars:
        raise ServiceError(
            413, "too_large", f"text is over the limit of {settings.max_text_chars:,} characters"
        )
    item = store.add_feedback(body.text, body.label, body.predicted, body.note)
    return FeedbackOut(**item.__dict__)


@router.get("/feedback", response_model=FeedbackPage)
def list_feedback(
    store: StoreDep,
    _admin: AdminDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> FeedbackPage:
    """Stored corrections, oldest first. Needs the token: they hold users' texts."""
    items, total = store.list_feedback(limit, offset)
    return FeedbackPage(
        items=[FeedbackOut(**i.__dict__) for i in items], total=total, limit=limit, offset=offset
    )
