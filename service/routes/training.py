"""POST /v1/train starts a training job; GET /v1/jobs/{job_id} reports on any job.

The upload and the assembled training set are validated inside the request, so bad data is a
422 listing every problem by line before any job exists; the training itself runs in its own
process and the request returns 202 at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from classifier.dataset import parse_examples
from classifier.errors import DatasetError, InvalidInputError, Problem
from service.deps import AdminDep, SettingsDep, StoreDep
from service.errors import ServiceError
from service.jobs import TrainJobParams, cancel, common_params, launch, new_job_id, uploads_dir
from service.limits import UPLOAD_FORM_LIMITS
from service.retrain import RetrainRequest, assemble_dataset
from service.schemas import ERROR_RESPONSES, JobAccepted, JobOut
from service.store import Store

router = APIRouter(prefix="/v1", tags=["training"], responses=ERROR_RESPONSES)


def _save_upload(upload: UploadFile, store: Store, job_id: str, max_examples: int) -> Path:
    name = upload.filename or "upload.jsonl"
    fmt = "csv" if name.lower().endswith(".csv") or upload.content_type == "text/csv" else "jsonl"
    raw = upload.file.read()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError([Problem(name, None, f"not UTF-8 text (byte {exc.start})")]) from exc
    lines = content.count("\n") + 1
    if lines > max_examples + 1:
        raise ServiceError(
            413,
            "too_large",
            f"{name} has {lines:,} lines; the limit is {max_examples:,} examples "
            "(AI_STAGE_MAX_UPLOAD_EXAMPLES)",
        )
    examples, problems = parse_examples(content, name, fmt)
    if problems:
        raise DatasetError(problems)
    if not examples:
        raise InvalidInputError(f"{name} holds no examples")
    path = uploads_dir(store) / f"{job_id}.{fmt}"
    path.write_text(content, encoding="utf-8")
    return path


@router.post("/train", status_code=202, response_model=JobAccepted, form_limits=UPLOAD_FORM_LIMITS)
def start_training(
    store: StoreDep,
    settings: SettingsDep,
    _admin: AdminDep,
    file: Annotated[UploadFile | None, File(description="Extra examples, JSONL or CSV.")] = None,
    use_feedback: Annotated[bool, Form(description="Include stored corrections.")] = False,
    include_base: Annotated[bool, Form(description="Include the shipped corpus.")] = True,
    force: Annotated[bool, Form(description="Promote even if the gate rejects it.")] = False,
) -> JobAccepted:
    """Queue a training job (one at a time): train, compare with the serving model, promote."""
    job_id = new_job_id()
    extra = [_save_upload(file, store, job_id, settings.max_upload_examples)] if file else []
    retrain_request = RetrainRequest(
        data_dir=settings.data_dir,
        extra_files=tuple(extra),
        include_base=include_base,
        use_feedback=use_feedback,
        database=store.path,
    )
    try:
        assemble_dataset(retrain_request)  # every data problem surfaces here, by line
        params = TrainJobParams(
            **common_params(settings),
            data_dir=str(settings.data_dir),
            extra_files=[str(p) for p in extra],
            include_base=include_base,
            use_feedback=use_feedback,
            force=force,
            macro_margin=settings.macro_margin,
            label_margin=settings.label_margin,
        )
        job = store.create_job(job_id, "train", params.model_dump())
    except BaseException:
        for path in extra:
            path.unlink(missing_ok=True)
        raise
    launch(store, job)
    return JobAccepted(id=job.id, state=job.state, status_url=f"/v1/jobs/{job.id}")


@router.get("/jobs/{job_id}", response_model=JobOut)
def job_status(job_id: str, store: StoreDep, _admin: AdminDep) -> JobOut:
    """State, progress, and (when finished) the evaluation or the reason it failed."""
    job = store.job(job_id)
    if job.state in ("queued", "running"):
        store.refresh_stale(job.kind)
        job = store.job(job_id)
    return JobOut(**job.to_dict())


@router.delete("/jobs/{job_id}", response_model=JobOut)
def cancel_job(job_id: str, store: StoreDep, _admin: AdminDep) -> JobOut:
    """Stop a queued or running job; its files are removed with the next clean-up."""
    return JobOut(**cancel(store, job_id).to_dict())
