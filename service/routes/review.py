"""The review queue over HTTP: list the doubtful calls, settle them, undo, count.

Every endpoint needs the admin token: the queue holds users' texts. The answers go through the
same ReviewQueue as the CLI's `ai-stage review`, so the page, the API and the terminal share one
queue, and two reviewers answering one item get one win and one 409.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from service.deps import AdminDep, ReviewDep
from service.review_queue import ReviewItem
from service.schemas import (
    ERROR_RESPONSES,
    ReviewAnswerRequest,
    ReviewItemOut,
    ReviewPage,
    ReviewStatsOut,
    ReviewStatus,
)

router = APIRouter(prefix="/v1", tags=["review"], responses=ERROR_RESPONSES)
ItemId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The review item's id.")]


def _out(item: ReviewItem) -> ReviewItemOut:
    values = dict(item.__dict__)
    values.pop("feedback_id")
    return ReviewItemOut(**values)


@router.get("/review", response_model=ReviewPage)
def list_review(
    queue: ReviewDep,
    _admin: AdminDep,
    status: ReviewStatus = "pending",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> ReviewPage:
    """Pending items most doubtful first (smallest margin); settled ones most recent first."""
    items, total = queue.items(status, limit, offset)
    return ReviewPage(
        items=[_out(i) for i in items], status=status, total=total, limit=limit, offset=offset
    )


@router.get("/review/stats", response_model=ReviewStatsOut)
def review_stats(queue: ReviewDep, _admin: AdminDep) -> ReviewStatsOut:
    """Items by status, answers by label, and how often reviewers agreed with the model."""
    return ReviewStatsOut(**queue.stats().to_dict())


@router.get("/review/{item_id}", response_model=ReviewItemOut)
def review_item(item_id: ItemId, queue: ReviewDep, _admin: AdminDep) -> ReviewItemOut:
    return _out(queue.item(item_id))


@router.post("/review/{item_id}", response_model=ReviewItemOut)
def answer_review(
    item_id: ItemId, body: ReviewAnswerRequest, queue: ReviewDep, _admin: AdminDep
) -> ReviewItemOut:
    """Settle a pending item. A label (or not_ai_text, stored as `none`) is stored as a
    correction, exactly like POST /v1/feedback; the first answer wins, a second gets 409."""
    if body.label is not None:
        return _out(queue.answer(item_id, "label", body.label))
    return _out(queue.answer(item_id, "skip" if body.skip else "not_ai_text"))


@router.post("/review/{item_id}/undo", response_model=ReviewItemOut)
def undo_review(item_id: ItemId, queue: ReviewDep, _admin: AdminDep) -> ReviewItemOut:
    """Put a settled item back in the queue and withdraw its correction."""
    return _out(queue.undo(item_id))
