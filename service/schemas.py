"""Request and response bodies. Inputs forbid unknown fields and coercion; outputs are separate
classes, so a change to what we accept never silently changes what we return."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from service.limits import MAX_BATCH_ITEMS

Label = Literal["perception", "generative", "agentic", "physical", "none"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ClassifyRequest(_Input):
    text: str = Field(description="The text to classify: a tagline, a blurb or an article.")
    explain: bool = Field(False, description="Also return the terms that drove the decision.")

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "text": "An agent that takes a ticket, edits code and opens a pull request.",
                    "explain": True,
                },
                {"text": "人形機器人在倉庫裡自己搬貨，遇到人會停下來。"},
            ]
        },
    )


class BatchItem(_Input):
    id: str | None = Field(None, description="Your identifier, echoed back with the result.")
    text: str


class BatchRequest(_Input):
    items: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH_ITEMS)
    explain: bool = False

    @field_validator("items", mode="before")
    @classmethod
    def _count_before_validating(cls, items: object) -> object:
        """Refuse an oversized list before its items are validated one by one (and before a
        million junk items each produce an error)."""
        if isinstance(items, list) and len(items) > MAX_BATCH_ITEMS:
            raise PydanticCustomError(
                "too_long",
                "has {count} entries; at most {limit} are accepted",
                {"count": f"{len(items):,}", "limit": f"{MAX_BATCH_ITEMS:,}"},
            )
        return items

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"id": "a1", "text": "Speech-to-text for call centres."},
                        {"id": "a2", "text": "自動駕駛計程車在深圳上路。"},
                    ]
                }
            ]
        },
    )


class TermOut(BaseModel):
    term: str
    weight: float


class ClassifyResponse(BaseModel):
    label: Label
    confidence: float = Field(ge=0, le=1)
    scores: dict[Label, float] = Field(description="Probability of every stage; they sum to 1.")
    terms: list[TermOut] | None = Field(None, description="Present when explain was true.")
    model_version: str


class BatchResult(BaseModel):
    id: str | None
    label: Label
    confidence: float
    scores: dict[Label, float]
    terms: list[TermOut] | None = None


class BatchResponse(BaseModel):
    results: list[BatchResult]
    model_version: str


class ExampleOut(BaseModel):
    name: str
    description: str


class RuleOut(BaseModel):
    id: int
    text: str


class StageOut(BaseModel):
    id: Label
    order: int | None
    name: str
    summary: str
    definition: str
    capabilities: list[str]
    examples: list[ExampleOut]
    rules: list[RuleOut]


class LabelsResponse(BaseModel):
    lang: Literal["en", "zh-Hant"]
    labels: list[StageOut]


class ModelEntry(BaseModel):
    version: str
    created_at: str
    current: bool
    serving: bool
    cv_macro_f1: float | None
    examples: int | None


class ModelsResponse(BaseModel):
    current: str | None
    serving: str | None
    models: list[ModelEntry]


class HealthResponse(BaseModel):
    status: Literal["ok", "ready"]
    model_version: str | None = None


class FeedbackRequest(_Input):
    text: str = Field(min_length=1, description="The text that was classified.")
    label: Label = Field(description="The stage it should have been given.")
    predicted: Label | None = Field(None, description="What the model said, if known.")
    note: str | None = Field(None, max_length=2000)

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "text": "Robot lawn mower that maps the garden and avoids the flower beds.",
                    "label": "physical",
                    "predicted": "perception",
                    "note": "it acts, not just sees",
                }
            ]
        },
    )


class FeedbackOut(BaseModel):
    id: int
    text: str
    label: Label
    predicted: Label | None
    note: str | None
    created_at: str


class FeedbackPage(BaseModel):
    items: list[FeedbackOut]
    total: int
    limit: int
    offset: int


class ReviewAnswerRequest(_Input):
    """Exactly one of the three answers."""

    label: Label | None = Field(None, description="The stage the text belongs to.")
    skip: Literal[True] | None = Field(None, description="Take it out of the queue, no answer.")
    not_ai_text: Literal[True] | None = Field(
        None, description="No AI product or AI news at all; stored as a `none` correction."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> ReviewAnswerRequest:
        given = [name for name in ("label", "skip", "not_ai_text") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of label, skip or not_ai_text")
        return self

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"label": "agentic"}, {"skip": True}]},
    )


ReviewStatus = Literal["pending", "done", "skipped"]


class ReviewItemOut(BaseModel):
    id: int
    text: str
    source: str = Field(description="tag (CLI), tag-job (HTTP) or classify.")
    job_id: str | None
    record_id: str | None
    model_version: str = Field(description="The model whose call was doubtful.")
    predicted: Label
    confidence: float
    margin: float = Field(description="Top score minus the runner-up's; smallest first.")
    scores: dict[Label, float]
    status: ReviewStatus
    answer_kind: Literal["label", "not_ai_text", "skip"] | None
    answer: Label | None
    created_at: str
    answered_at: str | None


class ReviewPage(BaseModel):
    items: list[ReviewItemOut]
    status: ReviewStatus
    total: int
    limit: int
    offset: int


class ReviewStatsOut(BaseModel):
    by_status: dict[ReviewStatus, int]
    by_label: dict[Label, int] = Field(description="Settled answers by label.")
    not_ai_text: int
    agreed: int = Field(description="Answers that matched the model's own call.")
    corrections: int = Field(description="Stored corrections, from the queue or /v1/feedback.")


class JobOut(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "succeeded", "failed", "rejected", "cancelled"]
    progress: float = Field(ge=0, le=1)
    message: str
    result: dict | None
    created_at: str
    updated_at: str


class JobAccepted(BaseModel):
    id: str
    state: str
    status_url: str


class PromotionOut(BaseModel):
    current: str
    serving: str | None


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list | None = Field(None, description="At most 20 of them.")
    more_details: int | None = Field(None, description="How many details were left out.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in (
        (400, "Malformed request: a broken multipart form, or more files or fields than allowed"),
        (401, "Missing or wrong bearer token"),
        (403, "Endpoint disabled: no admin token configured"),
        (404, "Not found"),
        (409, "Conflict: a job is running, the model failed its checks, or already answered"),
        (413, "Request body or text over a limit"),
        (422, "Invalid request"),
        (503, "No model loaded yet"),
    )
}
