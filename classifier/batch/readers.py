"""Reading records to tag from JSONL, CSV or a folder of .txt/.md/.html files, as a stream.

Every input record comes out as an `InputRecord`, in input order, even when it cannot be tagged
(broken JSON, no text): its `error` says why, so the writer can keep it and the counts add up.
Gzipped files (`.gz`) are read transparently. `progress()` reports how far through the input we
are, in bytes of the file (or files of the folder), for a progress bar with an ETA.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

from classifier.csv_rows import csv_rows, header_of
from classifier.dataset import unreadable_json
from classifier.errors import InvalidInputError
from classifier.limits import MAX_TEXT_CHARS

FOLDER_SUFFIXES = (".txt", ".md", ".html", ".htm")
csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what one input may cost. A line over `max_line_chars` becomes an error record
    (read past in small pieces, never held whole); more than `max_input_bytes` of input, counted
    after decompression, ends the run with InputTooLargeError."""

    max_line_chars: int = 2 * MAX_TEXT_CHARS
    max_input_bytes: int | None = None


class InputTooLargeError(InvalidInputError):
    """The input (decompressed) is over the run's byte limit."""


@dataclass(frozen=True)
class InputSpec:
    path: Path
    text_field: str = "text"
    id_field: str = "id"
    title_field: str | None = None
    date_field: str | None = None
    limits: ReadLimits = ReadLimits()

    @property
    def kind(self) -> str:
        if self.path.is_dir():
            return "folder"
        name = self.path.name.lower().removesuffix(".gz")
        return "csv" if name.endswith(".csv") else "jsonl"


@dataclass(frozen=True)
class InputRecord:
    position: str  # "line 12", "row 4", "file a/b.md": where it came from
    fields: dict  # every input field, kept in the output
    text: str | None
    error: str | None
    key: str  # the record's id, or its position when it has none


class _Progress:
    """Bytes of input consumed so far, for the progress bar."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0


class _CountingReader(io.RawIOBase):
    """Passes bytes through, refusing to go past `limit` (a gzip bomb stops here)."""

    def __init__(self, stream: IO[bytes], limit: int | None, counter: list[int]) -> None:
        self.stream, self.limit, self.counter = stream, limit, counter

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.stream.read(len(buffer))
        self.counter[0] += len(data)
        if self.limit is not None and self.counter[0] > self.limit:
            raise InputTooLargeError(
                f"the input is over the limit of {self.limit:,} bytes (after decompression)"
            )
        buffer[: len(data)] = data
        return len(data)


def _open_binary(path: Path, limits: ReadLimits, counter: list[int]) -> tuple[IO[bytes], IO[str]]:
    raw = path.open("rb")
    stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw
    counted = io.BufferedReader(_CountingReader(stream, limits.max_input_bytes, counter))
    return raw, io.TextIOWrapper(counted, encoding="utf-8", errors="replace", newline="")


def _bounded_lines(text: IO[str], limit: int) -> Iterator[tuple[str, bool]]:
    """(line, too_long) pairs; a line over `limit` characters is skipped in pieces, not held."""
    while True:
        line = text.readline(limit + 2)  # room for the line's own "\r\n"
        if not line:
            return
        if len(line.rstrip("\r\n")) <= limit:
            yield line, False
            continue
        # Lines end in "\n", "\r\n" or a bare "\r" (the stream keeps them as they are).
        while line and not line.endswith(("\n", "\r")):
            line = text.readline(1 << 20)
        yield "", True


def _json_problem(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON ({exc.msg})"
    return unreadable_json(exc)


def _text_of(fields: dict, spec: InputSpec, where: str) -> tuple[str | None, str | None]:
    body = fields.get(spec.text_field)
    if not isinstance(body, str):
        kind = "missing" if body is None else f"a {type(body).__name__}, not text"
        return None, f"{where}: field {spec.text_field!r} is {kind}"
    title = fields.get(spec.title_field) if spec.title_field else None
    text = f"{title}\n\n{body}" if isinstance(title, str) and title.strip() else body
    if not body.strip():
        return None, f"{where}: field {spec.text_field!r} is empty"
    if len(text) > MAX_TEXT_CHARS:
        return None, f"{where}: text is over {MAX_TEXT_CHARS:,} characters"
    return text, None


class RecordReader:
    """Iterate over `spec`'s records; `fraction_done` follows the bytes read."""

    def __init__(self, spec: InputSpec) -> None:
        if not spec.path.exists():
            raise InvalidInputError(f"input {spec.path.name} does not exist")
        self.spec = spec
        if spec.kind == "folder":
            self._files = sorted(
                p
                for p in spec.path.rglob("*")
                if p.is_file() and p.name.lower().removesuffix(".gz").endswith(FOLDER_SUFFIXES)
            )
            if not self._files:
                raise InvalidInputError(f"folder {spec.path.name} holds no .txt, .md or .html file")
            total = sum(p.stat().st_size for p in self._files)
        else:
            total = spec.path.stat().st_size
        self._progress = _Progress(total)
        self._input_bytes = [0]  # decompressed bytes read so far, across files

    @property
    def fraction_done(self) -> float:
        return min(1.0, self._progress.done / self._progress.total)

    @property
    def total_bytes(self) -> int:
        return self._progress.total

    @property
    def bytes_done(self) -> int:
        return self._progress.done

    def __iter__(self) -> Iterator[InputRecord]:
        kind = self.spec.kind
        if kind == "folder":
            yield from self._folder()
        elif kind == "csv":
            yield from self._csv()
        else:
            yield from self._jsonl()

    def _open(self, path: Path) -> tuple[IO[bytes], IO[str]]:
        return _open_binary(path, self.spec.limits, self._input_bytes)

    def _jsonl(self) -> Iterator[InputRecord]:
        raw, text = self._open(self.spec.path)
        limit = self.spec.limits.max_line_chars
        with raw, text:
            for number, (line, too_long) in enumerate(_bounded_lines(text, limit), start=1):
                self._progress.done = raw.tell()
                where = f"line {number}"
                if too_long:
                    error = f"{where}: line is over {limit:,} characters"
                    yield InputRecord(where, {}, None, error, where)
                    continue
                if not line.strip():
                    continue
                try:
                    fields = json.loads(line)
                except (ValueError, RecursionError) as exc:
                    raw_line = line.rstrip("\r\n")
                    kept = raw_line if len(raw_line) <= 1000 else raw_line[:1000] + "..."
                    yield InputRecord(
                        where, {"raw": kept}, None, f"{where}: {_json_problem(exc)}", where
                    )
                    continue
                if not isinstance(fields, dict):
                    yield InputRecord(
                        where, {"raw": fields}, None, f"{where}: not a JSON object", where
                    )
                    continue
                body, error = _text_of(fields, self.spec, where)
                yield InputRecord(where, fields, body, error, self._key(fields, where))
            self._progress.done = self._progress.total

    def _csv(self) -> Iterator[InputRecord]:
        raw, text = self._open(self.spec.path)
        with raw, text:
            reader = csv.DictReader(text)
            header, problem = header_of(reader)
            if problem or self.spec.text_field not in header:
                raise InvalidInputError(
                    f"{self.spec.path.name}: {problem}"
                    if problem
                    else f"{self.spec.path.name}: CSV header has no column "
                    f"{self.spec.text_field!r} (columns: {', '.join(header)}); choose one "
                    "with --text-field"
                )
            for index, (line, row, problem) in enumerate(csv_rows(reader), start=1):
                self._progress.done = raw.tell()
                where = f"row {index} (line {line})"
                if row is None:
                    yield InputRecord(where, {}, None, f"{where}: {problem}", where)
                    continue
                if None in row:
                    extra = row.pop(None)
                    fields = {**row, "extra_cells": extra}
                    yield InputRecord(
                        where,
                        fields,
                        None,
                        f"{where}: more cells than columns",
                        self._key(fields, where),
                    )
                    continue
                body, error = _text_of(row, self.spec, where)
                yield InputRecord(where, row, body, error, self._key(row, where))
            self._progress.done = self._progress.total

    def _folder(self) -> Iterator[InputRecord]:
        for path in self._files:
            relative = path.relative_to(self.spec.path).as_posix()
            where = f"file {relative}"
            raw, text = self._open(path)
            with raw, text:
                content = text.read(MAX_TEXT_CHARS + 1)
                if len(content) > MAX_TEXT_CHARS:
                    while text.read(1 << 20):  # count the rest toward the input limit
                        pass
            self._progress.done += path.stat().st_size
            fields: dict = {"id": relative}
            if path.name.lower().removesuffix(".gz").endswith((".html", ".htm")):
                title, content = html_to_text(content)
                if title:
                    fields["title"] = title
            if not content.strip():
                error: str | None = f"{where}: no text"
            elif len(content) > MAX_TEXT_CHARS:
                error = f"{where}: over {MAX_TEXT_CHARS:,} characters"
            else:
                error = None
            yield InputRecord(where, fields, None if error else content, error, relative)

    def _key(self, fields: dict, where: str) -> str:
        value = fields.get(self.spec.id_field)
        return str(value) if value not in (None, "") else where


class _HTMLText(HTMLParser):
    """Visible text of a page: scripts, styles and page furniture dropped, blocks kept apart."""

    SKIP = frozenset(
        {"script", "style", "noscript", "template", "nav", "footer", "header", "aside", "form"}
    )
    BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "article",
            "section",
            "tr",
            "blockquote",
            "pre",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif tag == "title":
            self._in_title = False
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str]:
    """(title, text) of an HTML page; paragraphs separated by blank lines."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    blocks = ["".join(chunk).strip() for chunk in "".join(parser.parts).split("\n\n")]
    text = "\n\n".join(" ".join(block.split()) for block in blocks if block.strip())
    return " ".join(parser.title.split()), text
