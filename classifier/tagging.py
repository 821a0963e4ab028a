"""Tag a file of records with their AI stage, streaming, in order, losing nothing.

Records are read and predicted in chunks (one vectorised prediction per chunk) so memory stays
flat for any input size. A record that cannot be tagged (broken JSON, missing or empty text) is
still written, with an `error` field saying why, so the output has one line per input line.
Output goes to a temporary file that is renamed into place only when the run completes.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from classifier.errors import InvalidInputError
from classifier.model import DEFAULT_MAX_CHARS, StageClassifier
from classifier.taxonomy import LABELS

DEFAULT_CHUNK_SIZE = 256
LOW_CONFIDENCE = 0.5


@dataclass
class TagSummary:
    records: int = 0
    tagged: int = 0
    errors: int = 0
    low_confidence: int = 0
    per_label: Counter = field(default_factory=Counter)

    def to_dict(self) -> dict[str, object]:
        return {
            "records": self.records,
            "tagged": self.tagged,
            "errors": self.errors,
            "low_confidence": self.low_confidence,
            "per_label": {label: self.per_label.get(label, 0) for label in LABELS},
        }


def open_text(path: Path) -> IO[str]:
    """Open plain or gzipped UTF-8 text for reading."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return path.open(encoding="utf-8", errors="replace")


def _records(handle: IO[str], text_field: str) -> Iterator[tuple[dict, str | None]]:
    """(record, error) pairs; error is None when the record can be tagged."""
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                {"line": number, "raw": line.rstrip("\n")},
                f"line {number}: invalid JSON ({exc.msg})",
            )
            continue
        if not isinstance(record, dict):
            yield {"line": number, "raw": record}, f"line {number}: not a JSON object"
            continue
        text = record.get(text_field)
        if not isinstance(text, str):
            kind = "missing" if text is None else f"a {type(text).__name__}, not text"
            yield record, f"line {number}: field {text_field!r} is {kind}"
        elif not text.strip():
            yield record, f"line {number}: field {text_field!r} is empty"
        elif len(text) > DEFAULT_MAX_CHARS:
            yield (
                record,
                f"line {number}: field {text_field!r} is over {DEFAULT_MAX_CHARS:,} characters",
            )
        else:
            yield record, None


def _chunks(records: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in records:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def tag_chunk(
    chunk: list[tuple[dict, str | None]], model: StageClassifier, text_field: str
) -> list[dict]:
    """Tag the good records of a chunk in one prediction; keep the bad ones with their error."""
    good = [record[text_field] for record, error in chunk if error is None]
    predictions = iter(model.predict(good)) if good else iter(())
    out = []
    for record, error in chunk:
        if error is not None:
            out.append({**record, "error": error})
            continue
        prediction = next(predictions)
        out.append(
            {
                **record,
                "label": prediction.label,
                "confidence": round(prediction.confidence, 6),
                "scores": {k: round(v, 6) for k, v in prediction.scores.items()},
                "model_version": model.version,
            }
        )
    return out


def tag_jsonl(
    source: Path,
    destination: Path,
    model: StageClassifier,
    text_field: str = "text",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_chunk: Callable[[int], None] | None = None,
) -> TagSummary:
    if not source.is_file():
        raise InvalidInputError(f"input file {source} does not exist")
    if chunk_size < 1:
        raise InvalidInputError("chunk size must be at least 1")
    summary = TagSummary()
    destination.parent.mkdir(parents=True, exist_ok=True)
    temp = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    try:
        with open_text(source) as reader, temp.open("w", encoding="utf-8") as writer:
            for chunk in _chunks(_records(reader, text_field), chunk_size):
                for row in tag_chunk(chunk, model, text_field):
                    _count(summary, row)
                    writer.write(json.dumps(row, ensure_ascii=False) + "\n")
                if on_chunk:
                    on_chunk(len(chunk))
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(temp, destination)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return summary


def _count(summary: TagSummary, row: dict) -> None:
    summary.records += 1
    if "error" in row:
        summary.errors += 1
        return
    summary.tagged += 1
    summary.per_label[row["label"]] += 1
    if row["confidence"] < LOW_CONFIDENCE:
        summary.low_confidence += 1
