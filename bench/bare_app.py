"""The reference for the HTTP benchmark: FastAPI with the same request body, and no model.

It parses and validates the same `ClassifyRequest` and answers a fixed response of the same
shape, under the same server settings, so the ratio measures what classification costs.
"""

from __future__ import annotations

from fastapi import FastAPI

from service.schemas import ClassifyRequest, ClassifyResponse

app = FastAPI()
ANSWER = ClassifyResponse(
    label="none",
    confidence=1.0,
    scores={"perception": 0.0, "generative": 0.0, "agentic": 0.0, "physical": 0.0, "none": 1.0},
    model_version="bare",
)


@app.post("/v1/classify", response_model=ClassifyResponse, response_model_exclude_unset=True)
async def classify(body: ClassifyRequest) -> ClassifyResponse:
    return ANSWER
