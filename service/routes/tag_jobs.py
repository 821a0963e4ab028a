"""POST /v1/tag-jobs uploads a JSONL or CSV file to tag in the background;
GET /v1/tag-jobs/{job_id}/result downloads the tagged file. Progress is at GET /v1/jobs/{id}.

The upload is streamed to disk, never held in memory; tagging runs in its own process with the
same code as `ai-stage tag`, so bad records come back with an `error` field rather than failing
the job.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse

from classifier.errors import InvalidInputError
from service.deps import AdminDep, HolderDep, SettingsDep, StoreDep, serving_now
from service.errors import ServiceError
from service.jobs import (
    TagJobParams,
    common_params,
    launch,
    new_job_id,
    params_of,
    results_dir,
    uploads_dir,
)
from service.limits import UPLOAD_FORM_LIMITS
from service.schemas import ERROR_RESPONSES, JobAccepted

router = APIRouter(prefix="/v1", tags=["tagging"], responses=ERROR_RESPONSES)
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


def _kind(name: str) -> str:
    lowered = name.lower().removesuffix(".gz")
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise InvalidInputError(f"file {name!r}: expected a .jsonl or .csv file (optionally .gz)")


@router.post(
    "/tag-jobs", status_code=202, response_model=JobAccepted, form_limits=UPLOAD_FORM_LIMITS
)
def start_tagging(
    store: StoreDep,
    settings: SettingsDep,
    holder: HolderDep,
    _admin: AdminDep,
    file: Annotated[UploadFile, File(description="Records to tag: JSONL or CSV, maybe gzipped.")],
    text_field: Annotated[str, Form()] = "text",
    id_field: Annotated[str, Form()] = "id",
    title_field: Annotated[str | None, Form()] = None,
    paragraphs: Annotated[bool, Form()] = False,
    review: Annotated[
        bool, Form(description="Queue doubtful calls for review (GET /v1/review).")
    ] = False,
) -> JobAccepted:
    """Queue a tagging job (one at a time); the result keeps every input field."""
    serving_now(holder)
    name = file.filename or "upload.jsonl"
    kind = _kind(name)
    job_id = new_job_id()
    suffix = ".gz" if name.lower().endswith(".gz") else ""
    source = uploads_dir(store) / f"{job_id}.{kind}{suffix}"
    with source.open("wb") as handle:
        shutil.copyfileobj(file.file, handle, length=1 << 20)
    params = TagJobParams(
        **common_params(settings),
        input=str(source),
        output=str(results_dir(store) / f"{job_id}.{kind}"),
        filename=name[:200],
        text_field=text_field,
        id_field=id_field,
        title_field=title_field or None,
        paragraphs=paragraphs,
        max_input_bytes=settings.tag_max_input_bytes,
        max_line_chars=settings.tag_max_line_chars,
        max_output_bytes=settings.tag_max_output_bytes,
        review=review,
        review_threshold=settings.review_threshold,
        review_margin=settings.review_margin,
        review_max_pending=settings.review_max_pending,
        review_max_chars=settings.max_text_chars,
    )
    try:
        job = store.create_job(job_id, "tag", params.model_dump())
    except BaseException:
        source.unlink(missing_ok=True)
        raise
    launch(store, job)
    return JobAccepted(id=job.id, state=job.state, status_url=f"/v1/jobs/{job.id}")


@router.get(
    "/tag-jobs/{job_id}/result",
    response_class=FileResponse,
    responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}}}},
)
def tagging_result(job_id: str, store: StoreDep, _admin: AdminDep) -> FileResponse:
    """The tagged file, once the job has succeeded. Needs the token: it holds users' records."""
    job = store.job(job_id)
    if job.kind != "tag":
        raise ServiceError(404, "job_not_found", f"job {job_id!r} is not a tagging job")
    if job.state != "succeeded":
        raise ServiceError(
            409, "job_not_finished", f"job {job_id} is {job.state}; its result is not ready"
        )
    params = params_of(job)
    assert isinstance(params, TagJobParams)
    output = params.output
    if not Path(output).is_file():
        raise ServiceError(404, "result_expired", f"job {job_id}'s result is no longer kept")
    kind = "csv" if output.endswith(".csv") else "jsonl"
    download = params.filename.removesuffix(".gz")
    stem = download.rsplit(".", 1)[0]
    return FileResponse(output, media_type=MEDIA_TYPES[kind], filename=f"{stem}.tagged.{kind}")
