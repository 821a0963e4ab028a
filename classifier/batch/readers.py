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
import re
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
    """Bounds on what one input may cost. A line (or CSV row) over `max_line_chars` becomes an
    error record (read past in small pieces, never held whole); more than `max_input_bytes` of
    input, counted after decompression, ends the run with InputTooLargeError."""

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


# Where a CSV parser stands within a row (excel dialect: "," between cells, '"' quoting).
_CELL_START, _IN_CELL, _IN_QUOTES, _QUOTE_IN_QUOTES, _ROW_ENDED = range(5)
_CSV_SPECIAL = re.compile(r'[",\r\n]')


def _csv_state_after(chunk: str, state: int) -> int:
    """The parser's state after `chunk`; _ROW_ENDED at a line break outside quotes. Jumps from
    one special character to the next, so skipping a huge row costs little."""
    i, n = 0, len(chunk)
    while i < n:
        if state == _IN_QUOTES:
            j = chunk.find('"', i)
            if j < 0:
                return state
            state, i = _QUOTE_IN_QUOTES, j + 1
            continue
        match = _CSV_SPECIAL.search(chunk, i)
        j = match.start() if match else n
        if j > i and state in (_CELL_START, _QUOTE_IN_QUOTES):
            state = _IN_CELL  # plain characters (after a closing quote they join the cell too)
        if match is None:
            return state
        char = chunk[j]
        if char in "\r\n":
            return _ROW_ENDED
        if char == ",":
            state = _CELL_START
        elif state in (_CELL_START, _QUOTE_IN_QUOTES):
            state = _IN_QUOTES  # an opening quote, or the second of an escaped pair
        i = j + 1
    return state


class _RowBudget:
    """Lines for the csv module, refusing a row (which may span lines inside quotes) of more
    than `limit` characters, so a row of many large cells is never held whole. The rest of a
    refused row is read past in pieces, following its quotes to find where it ends, and the
    refusal is a csv.Error: one error record, and the next row is read as it should be."""

    def __init__(self, text: IO[str], limit: int) -> None:
        self.text, self.limit = text, limit
        self.row: list[str] = []  # the lines of the row being read, at most `limit` characters
        self.used = 0

    def __iter__(self) -> _RowBudget:
        return self

    def __next__(self) -> str:
        # Room for the row's own "\r\n", and one character more to tell a cut line.
        line = self.text.readline(self.limit + 3)
        if not line:
            raise StopIteration
        if self.used + len(line) <= self.limit + 2:
            self.used += len(line)
            self.row.append(line)
            return line
        self._skip_rest_of_row(line)
        raise csv.Error(f"row is over {self.limit:,} characters")

    def _skip_rest_of_row(self, piece: str) -> None:
        state = _CELL_START
        for line in self.row:
            state = _csv_state_after(line, state)
            if state == _ROW_ENDED:  # the parser disagreed; follow the lines it was given
                state = _CELL_START
        while piece:
            state = _csv_state_after(piece, state)
            if state == _ROW_ENDED:
                break
            piece = self.text.readline(1 << 20)
        self.row_done()

    def row_done(self) -> None:
        self.row, self.used = [], 0


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
            budget = _RowBudget(text, self.spec.limits.max_line_chars)
            reader = csv.DictReader(budget)
            header, problem = header_of(reader)
            budget.row_done()
            if problem or self.spec.text_field not in header:
                raise InvalidInputError(
                    f"{self.spec.path.name}: {problem}"
                    if problem
                    else f"{self.spec.path.name}: CSV header has no column "
                    f"{self.spec.text_field!r} (columns: {', '.join(header)}); choose one "
                    "with --text-field"
                )
            for index, (line, row, problem) in enumerate(csv_rows(reader), start=1):
                budget.row_done()
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
