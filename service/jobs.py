"""Background jobs: typed parameters, starting a job's process, cancelling it, and cleaning up.

Each job runs in its own process, described by its database row. The request that queues a job
returns at once; the job process outlives the request and reports through the database, so any
worker can answer `GET /v1/jobs/{id}`. Files a job leaves (upload, result, log) live in the
state folder beside the database and are removed once the job is older than the retention
settings allow.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from classifier.doubt import DEFAULT_MIN_CONFIDENCE, DEFAULT_MIN_MARGIN, DoubtRule
from classifier.errors import JobNotFoundError
from classifier.limits import MAX_TEXT_CHARS
from service import paths
from service.config import Settings
from service.review import CapturePolicy
from service.store import Job, Store

JOB_ID = re.compile(r"^[0-9a-f]{32}$")


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    models_dir: str
    timeout_seconds: float = Field(gt=0)
    keep_seconds: float = Field(ge=0)
    keep_count: int = Field(ge=0)


class TrainJobParams(_Params):
    kind: Literal["train"] = "train"
    data_dir: str
    extra_files: list[str] = Field(default_factory=list)
    include_base: bool = True
    use_feedback: bool = False
    force: bool = False
    macro_margin: float
    label_margin: float


class TagJobParams(_Params):
    kind: Literal["tag"] = "tag"
    input: str
    output: str
    filename: str
    text_field: str = "text"
    id_field: str = "id"
    title_field: str | None = None
    paragraphs: bool = False
    max_input_bytes: int = Field(gt=0)
    max_line_chars: int = Field(gt=0)
    max_output_bytes: int = Field(gt=0)
    review: bool = False
    review_threshold: float = Field(DEFAULT_MIN_CONFIDENCE, ge=0, le=1)
    review_margin: float = Field(DEFAULT_MIN_MARGIN, ge=0, le=1)
    review_max_pending: int = Field(10_000, ge=1)
    review_max_chars: int = Field(MAX_TEXT_CHARS, ge=1)

    def review_policy(self) -> CapturePolicy:
        return CapturePolicy(
            DoubtRule(self.review_threshold, self.review_margin),
            self.review_max_pending,
            self.review_max_chars,
        )


JobParams = TrainJobParams | TagJobParams
PARAMS_BY_KIND: dict[str, type[TrainJobParams] | type[TagJobParams]] = {
    "train": TrainJobParams,
    "tag": TagJobParams,
}


def common_params(settings: Settings) -> dict[str, object]:
    """What every job takes from the service's settings."""
    return {
        "models_dir": str(settings.models_dir),
        "timeout_seconds": settings.job_timeout_seconds,
        "keep_seconds": settings.keep_jobs_seconds,
        "keep_count": settings.keep_jobs,
    }


def params_of(job: Job) -> JobParams:
    """The job's typed parameters; a row this version cannot read (made by an older one, or of
    an unknown kind) is reported as gone rather than as a server error."""
    kind = PARAMS_BY_KIND.get(job.kind)
    try:
        if kind is None:
            raise ValueError(job.kind)
        return kind.model_validate(job.params)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise JobNotFoundError(
            f"job {job.id} was made by another version of ai-stage and can no longer be read"
        ) from exc


def new_job_id() -> str:
    return uuid.uuid4().hex


def uploads_dir(store: Store) -> Path:
    return _folder(store, "uploads")


def results_dir(store: Store) -> Path:
    return _folder(store, "tag-results")


def logs_dir(store: Store) -> Path:
    return _folder(store, "jobs")


def _folder(store: Store, name: str) -> Path:
    folder = paths.state_dir(store.path) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def launch(store: Store, job: Job) -> int:
    """Start the worker process for `job`; returns its pid."""
    with (logs_dir(store) / f"{job.id}.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.job_worker", "--db", str(store.path), "--job", job.id],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so a cancel stops its children too
        )
    # Reap the child when it ends so it does not linger as a zombie.
    threading.Thread(target=process.wait, name=f"reap-{job.id[:8]}", daemon=True).start()
    store.update_job(job.id, pid=process.pid)
    return process.pid


def cancel(store: Store, job_id: str) -> Job:
    """Mark an active job cancelled (a later report from it is ignored) and stop its processes."""
    job = store.cancel_job(job_id)
    if job.pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(job.pid, signal.SIGTERM)
    return job


def job_files(store: Store, job: Job) -> list[Path]:
    """Every file a job may have left behind: upload, result and its partial/checkpoint, log."""
    found = list(uploads_dir(store).glob(f"{job.id}.*"))
    found += list(results_dir(store).glob(f"{job.id}.*"))
    found += list(results_dir(store).glob(f".{job.id}.*"))
    found.append(logs_dir(store) / f"{job.id}.log")
    return [p for p in found if p.exists()]


def clean_up(store: Store, keep_seconds: float, keep_count: int) -> int:
    """Remove finished jobs (row and files) beyond the newest `keep_count` that are older than
    `keep_seconds`, and files that belong to no job; returns how many jobs were removed."""
    cutoff = time.time() - keep_seconds
    expired = store.finished_jobs_to_expire(cutoff, keep_count)
    for job in expired:
        for path in job_files(store, job):
            path.unlink(missing_ok=True)
        store.delete_job(job.id)
    known = store.job_ids()
    for folder in (uploads_dir(store), results_dir(store), logs_dir(store)):
        for path in folder.iterdir():
            owner = path.name.lstrip(".").split(".", 1)[0]
            # Another worker or a job process may be cleaning up at the same moment.
            with contextlib.suppress(FileNotFoundError):
                orphan = JOB_ID.fullmatch(owner) and owner not in known and path.is_file()
                if orphan and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
    return len(expired)
