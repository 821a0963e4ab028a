"""Runs one queued job in its own process: `python -m service.job_worker --db DB --job ID`.

Everything the job needs is in its row (kind and parameters), so the process that queued it
(any service worker) and the process that runs it share nothing but the database. The job's
state, progress and result are written back to the same row; any exception ends it `failed`
with the message, so a job never stays `running` because its code raised.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from classifier.batch.readers import InputSpec, RecordReader
from classifier.batch.tagging import InProcess, TagOptions, tag_file
from classifier.errors import ClassifierError
from classifier.gate import GateConfig
from classifier.registry import Registry
from service.retrain import RetrainRequest, retrain
from service.store import Job, Store


def run_train_job(store: Store, job: Job) -> None:
    params = job.params
    request = RetrainRequest(
        data_dir=Path(params["data_dir"]),
        extra_files=tuple(Path(p) for p in params.get("extra_files", [])),
        include_base=bool(params.get("include_base", True)),
        use_feedback=bool(params.get("use_feedback", False)),
        database=store.path,
        force=bool(params.get("force", False)),
        gate=GateConfig(
            macro_margin=float(params.get("macro_margin", GateConfig.macro_margin)),
            label_margin=float(params.get("label_margin", GateConfig.label_margin)),
        ),
    )
    registry = Registry(Path(params["models_dir"]))

    def progress(fraction: float, message: str) -> None:
        store.update_job(job.id, progress=fraction, message=message.strip())

    outcome = retrain(request, registry, progress)
    store.update_job(
        job.id,
        state=outcome.state,
        progress=1.0,
        message="; ".join(outcome.decision.reasons),
        result=outcome.to_dict(),
    )


def run_tag_job(store: Store, job: Job) -> None:
    params = job.params
    classifier, _ = Registry(Path(params["models_dir"])).load()
    spec = InputSpec(
        Path(params["input"]),
        text_field=params.get("text_field", "text"),
        id_field=params.get("id_field", "id"),
        title_field=params.get("title_field"),
    )

    def progress(done: int, reader: RecordReader) -> None:
        store.update_job(
            job.id, progress=0.99 * reader.fraction_done, message=f"{done:,} records tagged"
        )

    summary = tag_file(
        spec,
        Path(params["output"]),
        InProcess(classifier, bool(params.get("paragraphs"))),
        classifier.version,
        TagOptions(paragraphs=bool(params.get("paragraphs"))),
        progress,
    )
    store.update_job(
        job.id,
        state="succeeded",
        progress=1.0,
        message=f"{summary.records:,} records, {summary.errors:,} with errors",
        result={**summary.to_dict(), "model_version": classifier.version},
    )


RUNNERS = {"train": run_train_job, "tag": run_tag_job}


def run_job(database: Path, job_id: str) -> int:
    store = Store(database)
    job = store.job(job_id)
    runner = RUNNERS.get(job.kind)
    if runner is None:
        store.update_job(job.id, state="failed", message=f"unknown job kind {job.kind!r}")
        return 2
    store.update_job(job.id, state="running", pid=os.getpid(), message="started")
    try:
        runner(store, job)
    except ClassifierError as exc:
        store.update_job(job.id, state="failed", message=exc.message, result=_problems(exc))
        return 1
    except Exception as exc:
        traceback.print_exc()
        store.update_job(job.id, state="failed", message=f"{type(exc).__name__}: {exc}")
        return 1
    return 0


def _problems(exc: ClassifierError) -> dict | None:
    problems = getattr(exc, "problems", None)
    return {"problems": [str(p) for p in problems]} if problems else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.job_worker")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--job", required=True)
    args = parser.parse_args(argv)
    return run_job(args.db, args.job)


if __name__ == "__main__":
    sys.exit(main())
