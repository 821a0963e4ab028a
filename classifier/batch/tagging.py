"""Batch tagging: read records, predict in chunks, write them in input order, lose nothing.

The pipeline is the same whatever runs the predictions (this process, a pool of processes, or a
Dask cluster): records are read as a stream and cut into chunks; an executor turns chunks into
tagged rows and hands them back in input order, with a bounded number of chunks in flight so
memory stays flat; rows are appended to a partial output, and after each chunk a checkpoint
records how many input records are safely on disk. `resume` cuts the partial output back to its
last checkpoint, skips that many input records (checking that the keys line up), and carries on.
The output is renamed into place only when the whole input has been written.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from classifier.batch.paragraphs import breakdown
from classifier.batch.readers import InputRecord, InputSpec, RecordReader
from classifier.batch.tag_report import TagSummary, period_of
from classifier.batch.writers import (
    RecordWriter,
    checkpoint_path,
    last_checkpoint,
    partial_path,
    read_rows,
    write_checkpoint,
)
from classifier.errors import InvalidInputError
from classifier.model import StageClassifier

DEFAULT_CHUNK_SIZE = 256


@dataclass(frozen=True)
class TagOptions:
    paragraphs: bool = False
    chunk_size: int = DEFAULT_CHUNK_SIZE
    resume: bool = False
    errors_path: Path | None = None
    max_output_bytes: int | None = None  # the run stops with OutputTooLargeError past this


class OutputTooLargeError(InvalidInputError):
    """Tagging would write more than the run allows (a small input that expands enormously)."""


def tag_records(
    model: StageClassifier, records: list[InputRecord], paragraphs: bool = False
) -> list[dict]:
    """Tagged rows for one chunk: one vectorised prediction for all its taggable records."""
    texts = [r.text for r in records if r.error is None and r.text is not None]
    predictions = iter(model.predict(texts)) if texts else iter(())
    details = iter(breakdown(texts, model)) if paragraphs and texts else None
    rows = []
    for record in records:
        if record.error is not None:
            rows.append({**record.fields, "error": record.error})
            continue
        prediction = next(predictions)
        row = {
            **record.fields,
            "label": prediction.label,
            "confidence": round(prediction.confidence, 6),
            "scores": {k: round(v, 6) for k, v in prediction.scores.items()},
            "model_version": model.version,
        }
        detail = next(details) if details is not None else None
        if detail is not None:
            row.update(detail)
        rows.append(row)
    return rows


# -- executors: chunks in, tagged chunks out, in order -------------------------------------


class InProcess:
    def __init__(self, model: StageClassifier, paragraphs: bool) -> None:
        self.model, self.paragraphs = model, paragraphs

    def map_ordered(self, chunks: Iterable[list[InputRecord]]) -> Iterator[list[dict]]:
        for chunk in chunks:
            yield tag_records(self.model, chunk, self.paragraphs)

    def close(self) -> None:
        pass


_worker_model: StageClassifier | None = None


def _init_worker(model: StageClassifier) -> None:
    global _worker_model
    _worker_model = model


def _tag_in_worker(records: list[InputRecord], paragraphs: bool) -> list[dict]:
    assert _worker_model is not None
    return tag_records(_worker_model, records, paragraphs)


def ordered_window(
    submit: Callable[[list[InputRecord]], Future], chunks: Iterable, in_flight: int
) -> Iterator[list[dict]]:
    """Submit chunks while at most `in_flight` are pending; yield results in submission order."""
    window: deque = deque()
    for chunk in chunks:
        window.append(submit(chunk))
        if len(window) >= in_flight:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


class ProcessPool:
    """N worker processes, each given the model once when it starts."""

    def __init__(self, model: StageClassifier, paragraphs: bool, jobs: int) -> None:
        import multiprocessing

        self.paragraphs, self.jobs = paragraphs, jobs
        self.pool = ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(model,),
        )

    def map_ordered(self, chunks: Iterable[list[InputRecord]]) -> Iterator[list[dict]]:
        def submit(chunk: list[InputRecord]) -> Future:
            return self.pool.submit(_tag_in_worker, chunk, self.paragraphs)

        return ordered_window(submit, chunks, in_flight=2 * self.jobs)

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)


# -- the run -------------------------------------------------------------------------------


def _chunks(records: Iterator[InputRecord], size: int) -> Iterator[list[InputRecord]]:
    while chunk := list(itertools.islice(records, size)):
        yield chunk


def _skip_done(records: Iterator[InputRecord], count: int, last_key: str | None) -> None:
    """Consume the records a resumed run already wrote, checking they are the same ones."""
    last = None
    for record in itertools.islice(records, count):
        last = record
    if count and (last is None or (last_key is not None and last.key != last_key)):
        raise InvalidInputError(
            "the partial output does not match this input (record keys differ); "
            "run again without --resume to start over"
        )


def tag_file(
    spec: InputSpec,
    destination: Path,
    executor: InProcess | ProcessPool,
    model_version: str,
    options: TagOptions = TagOptions(),
    on_progress: Callable[[int, RecordReader], None] | None = None,
    on_rows: Callable[[list[InputRecord], list[dict]], None] | None = None,
) -> TagSummary:
    """Tag `spec` into `destination`. `on_rows` sees each chunk's records and tagged rows once
    they are written, before the checkpoint that makes them final (the review queue picks its
    doubtful calls there; it must tolerate seeing a chunk twice after a resume)."""
    if options.chunk_size < 1:
        raise InvalidInputError("chunk size must be at least 1")
    reader = RecordReader(spec)
    records = iter(reader)
    checkpoint = last_checkpoint(destination) if options.resume else None
    if checkpoint is None:
        checkpoint_path(destination).unlink(missing_ok=True)
    summary = TagSummary(model_version=model_version)
    if checkpoint:
        _skip_done(records, checkpoint["records"], checkpoint.get("last_key"))
        summary.skipped = checkpoint["records"]
    first = list(itertools.islice(records, 1))
    columns = list(first[0].fields) if first else []
    if spec.kind == "csv" and first:
        columns = [c for c in first[0].fields if c != "extra_cells"]
    append = checkpoint is not None
    writer = RecordWriter(destination, columns, append, checkpoint and checkpoint["offset"])
    errors = (
        RecordWriter(
            options.errors_path, columns, append, checkpoint and checkpoint.get("errors_offset")
        )
        if options.errors_path
        else None
    )
    if checkpoint:
        for row in read_rows(partial_path(destination)):
            summary.add(row, period_of(row.get(spec.date_field)) if spec.date_field else None)
        if errors:
            for row in read_rows(partial_path(options.errors_path)):
                summary.add(row, None)
    done = summary.skipped
    try:
        chunks = _chunks(itertools.chain(first, records), options.chunk_size)
        for chunk, rows in zip_chunks(chunks, executor):
            for row in rows:
                target = errors if (errors is not None and "error" in row) else writer
                target.write(row)
                date = row.get(spec.date_field) if spec.date_field else None
                summary.add(row, period_of(date))
            done += len(chunk)
            entry = {"records": done, "offset": writer.synced_offset(), "last_key": chunk[-1].key}
            written = entry["offset"]
            if errors is not None:
                entry["errors_offset"] = errors.synced_offset()
                written += entry["errors_offset"]
            if options.max_output_bytes is not None and written > options.max_output_bytes:
                raise OutputTooLargeError(
                    f"the output is over the limit of {options.max_output_bytes:,} bytes after "
                    f"{done:,} records; split the input"
                )
            if on_rows:
                # Before the checkpoint: a run that dies in between redoes this chunk on
                # resume, so the hook sees every chunk at least once.
                on_rows(chunk, rows)
            write_checkpoint(destination, entry)
            if on_progress:
                on_progress(done, reader)
        writer.commit()
        if errors is not None:
            errors.commit()
        checkpoint_path(destination).unlink(missing_ok=True)
    finally:
        writer.close()
        if errors is not None:
            errors.close()
    return summary


def zip_chunks(
    chunks: Iterator[list[InputRecord]], executor: InProcess | ProcessPool
) -> Iterator[tuple[list[InputRecord], list[dict]]]:
    """Pair each chunk with its tagged rows while letting the executor run ahead."""
    pending: deque[list[InputRecord]] = deque()

    def remembered() -> Iterator[list[InputRecord]]:
        for chunk in chunks:
            pending.append(chunk)
            yield chunk

    for rows in executor.map_ordered(remembered()):
        yield pending.popleft(), rows
