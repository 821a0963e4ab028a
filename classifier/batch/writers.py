"""Writing tagged records as JSONL or CSV, to a temporary file renamed into place at the end.

The temporary file has a fixed name next to the output (`.<name>.partial`), so an interrupted
run can be resumed: its complete lines are kept, a torn last line is cut off, and writing
continues after them.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import IO

from classifier.taxonomy import LABELS

ADDED_COLUMNS = ("label", "confidence", "model_version", "error")


def dumps_line(row: dict) -> str:
    """One JSON line, UTF-8 where it can be; a text holding a lone surrogate (legal in JSON
    through a \\u escape, unencodable in UTF-8) is written with escapes instead, which reads
    back as exactly the same string."""
    line = json.dumps(row, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(row, ensure_ascii=True)
    return line + "\n"


def partial_path(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}.partial")


def output_kind(destination: Path) -> str:
    return "csv" if destination.name.lower().endswith(".csv") else "jsonl"


class RecordWriter:
    """Appends tagged records to the partial file; `commit()` renames it to the destination."""

    def __init__(
        self,
        destination: Path,
        input_columns: list[str] | None,
        append: bool,
        truncate_to: int | None = None,
    ) -> None:
        self.destination = destination
        self.partial = partial_path(destination)
        if append and truncate_to is not None and self.partial.exists():
            with self.partial.open("r+b") as handle:
                handle.truncate(truncate_to)
        self.kind = output_kind(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] = self.partial.open(
            "a" if append else "w", encoding="utf-8", newline=""
        )

        self._csv: csv.DictWriter | None = None
        self._columns: list[str] = []
        if self.kind == "csv":
            self._columns = self._csv_columns(input_columns or [])
            self._csv = csv.DictWriter(self._handle, self._columns, extrasaction="ignore")
            if not append or self.partial.stat().st_size == 0:
                self._csv.writeheader()

    @staticmethod
    def _csv_columns(input_columns: list[str]) -> list[str]:
        added = [*ADDED_COLUMNS, *(f"score_{label}" for label in LABELS)]
        added += [f"mix_{label}" for label in LABELS] + ["paragraphs", "extra"]
        return [c for c in input_columns if c not in added] + added

    def write(self, row: dict) -> None:
        if self._csv is None:
            self._handle.write(dumps_line(row))
            return
        flat = dict(row)
        for label, score in (flat.pop("scores", None) or {}).items():
            flat[f"score_{label}"] = score
        for label, share in (flat.pop("mix", None) or {}).items():
            flat[f"mix_{label}"] = share
        if "paragraphs" in flat:
            flat["paragraphs"] = json.dumps(flat["paragraphs"], ensure_ascii=False)
        extra = {k: v for k, v in flat.items() if k not in self._columns}
        if extra:
            flat["extra"] = json.dumps(extra, ensure_ascii=False, default=str)
        for key, value in flat.items():
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            if isinstance(value, str):
                # CSV has no escape for a lone surrogate; keep it visible as \udxxx text.
                value = value.encode("utf-8", "backslashreplace").decode("utf-8")
            flat[key] = value
        self._csv.writerow(flat)

    def flush(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def synced_offset(self) -> int:
        """Flush and sync what was written; return the file's length."""
        self.flush()
        return self._handle.tell()

    def commit(self) -> None:
        self.flush()
        self._handle.close()
        os.replace(self.partial, self.destination)
        checkpoint_path(self.destination).unlink(missing_ok=True)

    def close(self) -> None:
        if not self._handle.closed:
            self.flush()
            self._handle.close()


def checkpoint_path(destination: Path) -> Path:
    return destination.with_name(f".{destination.name}.partial.progress")


def write_checkpoint(destination: Path, entry: dict) -> None:
    """Append a checkpoint; call it only after the records it counts are synced to disk."""
    with checkpoint_path(destination).open("a", encoding="utf-8") as progress:
        progress.write(json.dumps(entry) + "\n")
        progress.flush()
        os.fsync(progress.fileno())


def last_checkpoint(destination: Path) -> dict | None:
    """The last whole checkpoint line of an interrupted run (a torn last line is ignored)."""
    progress = checkpoint_path(destination)
    if not (progress.exists() and partial_path(destination).exists()):
        return None
    entry = None
    for line in progress.read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            break
    return entry


def read_rows(path: Path) -> list[dict]:
    """Rows already written to a (partial) output, for the summary of a resumed run."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    if output_kind(path.with_name(path.name.removesuffix(".partial"))) == "csv":
        import io

        rows = []
        for row in csv.DictReader(io.StringIO(text)):
            if row.get("error"):
                rows.append({"error": row["error"]})
                continue
            scores = {label: float(row.get(f"score_{label}") or 0) for label in LABELS}
            rows.append({**row, "confidence": float(row["confidence"]), "scores": scores})
        return rows
    # "\n" only: JSON strings may hold U+2028 and the like raw, which splitlines() breaks at.
    return [json.loads(line) for line in text.split("\n") if line.strip()]
