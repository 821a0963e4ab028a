"""Runs one queued job in its own process: `python -m service.job_worker --db DB --job ID`.

Everything the job needs is in its row (kind and typed parameters), so the process that queued
it (any service worker) and the process that runs it share nothing but the database. The job's
state, progress and result are written back to the same row. Only messages meant for users go
there: an unexpected failure is recorded as such and its traceback goes to the job's log, never
to the row, which any token holder can read. A job that runs past its time limit is stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from classifier.batch.readers import InputSpec, ReadLimits, RecordReader
from classifier.batch.tagging import InProcess, TagOptions, tag_file
from classifier.errors import ClassifierError
from classifier.gate import GateConfig
from classifier.registry import Registry
from service.jobs import TagJobParams, TrainJobParams, clean_up, params_of
from service.messages import for_users
from service.retrain import RetrainRequest, retrain
from service.review import RowCapture
from service.review_queue import ReviewQueue
from service.store import Job, Store


class JobTimeoutError(BaseException):
    """Raised by the alarm; a BaseException so no `except Exception` on the way swallows it."""


def run_train_job(store: Store, job: Job, params: TrainJobParams) -> None:
    request = RetrainRequest(
        data_dir=Path(params.data_dir),
        extra_files=tuple(Path(p) for p in params.extra_files),
        include_base=params.include_base,
        use_feedback=params.use_feedback,
        database=store.path,
        force=params.force,
        gate=GateConfig(macro_margin=params.macro_margin, label_margin=params.label_margin),
    )
    registry = Registry(Path(params.models_dir))

    def progress(fraction: float, message: str) -> None:
        store.update_job(job.id, progress=fraction, message=for_users(message.strip()))

    outcome = retrain(request, registry, progress)
    store.update_job(
        job.id,
        state=outcome.state,
        progress=1.0,
        message=for_users("; ".join(outcome.decision.reasons)),
        result=outcome.to_dict(),
    )


def run_tag_job(store: Store, job: Job, params: TagJobParams) -> None:
    classifier, _ = Registry(Path(params.models_dir)).load()
    spec = InputSpec(
        Path(params.input),
        text_field=params.text_field,
        id_field=params.id_field,
        title_field=params.title_field,
        limits=ReadLimits(
            max_line_chars=params.max_line_chars, max_input_bytes=params.max_input_bytes
        ),
    )

    def progress(done: int, reader: RecordReader) -> None:
        store.update_job(
            job.id, progress=0.99 * reader.fraction_done, message=f"{done:,} records tagged"
        )

    capture = (
        RowCapture(ReviewQueue(store), params.review_policy(), "tag-job", job.id)
        if params.review
        else None
    )
    summary = tag_file(
        spec,
        Path(params.output),
        InProcess(classifier, params.paragraphs),
        classifier.version,
        TagOptions(paragraphs=params.paragraphs, max_output_bytes=params.max_output_bytes),
        progress,
        on_rows=capture,
    )
    message = f"{summary.records:,} records, {summary.errors:,} with errors"
    result: dict[str, object] = {**summary.to_dict(), "model_version": classifier.version}
    if capture is not None:
        message += "; " + capture.tally.summary()
        result["review"] = capture.tally.to_dict()
    store.update_job(job.id, state="succeeded", progress=1.0, message=message, result=result)


def _stop_at_deadline(seconds: float) -> None:
    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        raise JobTimeoutError

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def run_job(database: Path, job_id: str) -> int:
    store = Store(database)
    job = store.job(job_id)
    if job.state not in ("queued", "running"):
        return 0  # cancelled (or finished) before this process got to it
    try:
        params = params_of(job)
    except ClassifierError as exc:
        store.update_job(job.id, state="failed", message=exc.message)
        return 2
    store.update_job(job.id, state="running", pid=os.getpid(), message="started")
    _stop_at_deadline(params.timeout_seconds)
    try:
        if isinstance(params, TrainJobParams):
            run_train_job(store, job, params)
        else:
            run_tag_job(store, job, params)
    except JobTimeoutError:
        message = f"stopped: the job ran over its limit of {params.timeout_seconds:g} s"
        store.update_job(job.id, state="failed", message=message)
        return 1
    except ClassifierError as exc:
        store.update_job(
            job.id, state="failed", message=for_users(exc.message), result=_problems(exc)
        )
        return 1
    except Exception:
        traceback.print_exc()  # to the job's log, for the operator
        store.update_job(
            job.id, state="failed", message="the job failed unexpectedly; see the server's job log"
        )
        return 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        with contextlib.suppress(OSError):
            clean_up(store, params.keep_seconds, params.keep_count)
    return 0


def _problems(exc: ClassifierError) -> dict | None:
    problems = getattr(exc, "problems", None)
    if not problems:
        return None
    return {"problems": [for_users(str(p)) for p in problems[:20]], "count": len(problems)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.job_worker")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--job", required=True)
    args = parser.parse_args(argv)
    return run_job(args.db, args.job)


if __name__ == "__main__":
    sys.exit(main())
