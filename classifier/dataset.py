"""Labeled examples: the one module that reads `training_data/`.

A data file is JSON Lines, one example per line::

    {"text": "...", "label": "agentic", "lang": "en", "id": "...", "source": "...", "group": "..."}

`text` and `label` are required. `lang` ("en", "zh-Hant", "zh-Hans") is inferred when missing.
`group` ties together examples that must stay on one side of a cross-validation split (one
writer's batch, one article's paragraphs); an example without one is its own group. CSV files
with a header naming the same columns are read too.

Reading never stops at the first problem: every broken line is collected, so the author can fix
a file in one pass, and a file with any problem is refused as a whole.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from classifier.csv_rows import csv_rows, header_of
from classifier.errors import DatasetError, Problem
from classifier.language import LANGS, detect_language, encodable
from classifier.limits import MAX_TEXT_CHARS
from classifier.taxonomy import LABELS

CORPUS_FOLDER = "corpus"
HOLDOUT_FOLDER = "holdout"
# Written by people who never saw the corpus; never trained on and never used to choose a model.
CHALLENGE_FOLDER = "challenge"

REQUIRED_FIELDS = ("text", "label")
OPTIONAL_FIELDS = ("lang", "id", "source", "group", "register")
MIN_EXAMPLES_PER_LABEL = 5


@dataclass(frozen=True)
class LabeledExample:
    text: str
    label: str
    lang: str
    id: str
    source: str
    group: str
    origin: str  # "file:line", for error messages and review
    register: str = ""  # dev, news, product, social, hard-negative: for reports by register

    def to_dict(self) -> dict[str, str]:
        record = {
            "id": self.id,
            "text": self.text,
            "label": self.label,
            "lang": self.lang,
            "source": self.source,
            "group": self.group,
        }
        if self.register:
            record["register"] = self.register
        return record


@dataclass(frozen=True)
class Dataset:
    examples: tuple[LabeledExample, ...]
    files: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.examples)

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.examples]

    @property
    def groups(self) -> list[str]:
        return [e.group for e in self.examples]

    @property
    def langs(self) -> list[str]:
        return [e.lang for e in self.examples]

    def label_counts(self) -> dict[str, int]:
        counts = Counter(self.labels)
        return {label: counts.get(label, 0) for label in LABELS}

    def lang_counts(self) -> dict[str, int]:
        counts = Counter(self.langs)
        return {lang: counts.get(lang, 0) for lang in LANGS}


def text_key(text: str) -> str:
    """What two texts must share to count as the same text."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _parse_record(record: object, origin: str, line: int, problems: list[Problem]) -> dict | None:
    if not isinstance(record, dict):
        problems.append(Problem(origin, line, "expected a JSON object"))
        return None
    unknown = sorted(set(record) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        allowed = ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)
        problems.append(Problem(origin, line, f"unknown field(s) {unknown}; allowed: {allowed}"))
    before = len(problems)
    text = record.get("text")
    if "text" not in record:
        problems.append(Problem(origin, line, "missing field 'text'"))
    elif not isinstance(text, str):
        problems.append(Problem(origin, line, f"'text' must be a string, got {_kind(text)}"))
    elif not text.strip():
        problems.append(Problem(origin, line, "'text' is empty"))
    elif len(text) > MAX_TEXT_CHARS:
        problems.append(
            Problem(origin, line, f"'text' has {len(text):,} characters; limit {MAX_TEXT_CHARS:,}")
        )
    elif not encodable(text):
        problems.append(Problem(origin, line, "'text' holds a lone surrogate (invalid Unicode)"))
    label = record.get("label")
    if "label" not in record:
        problems.append(Problem(origin, line, "missing field 'label'"))
    elif label not in LABELS:
        problems.append(
            Problem(origin, line, f"unknown label {label!r}; expected one of {', '.join(LABELS)}")
        )
    lang = record.get("lang")
    if lang is not None and lang not in LANGS:
        problems.append(
            Problem(origin, line, f"unknown lang {lang!r}; expected one of {', '.join(LANGS)}")
        )
    for name in ("id", "source", "group", "register"):
        value = record.get(name)
        if value is not None and not isinstance(value, str | int):
            problems.append(Problem(origin, line, f"'{name}' must be a string"))
    if len(problems) > before or unknown:
        return None
    return record


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _records_jsonl(lines: Iterable[str], origin: str, problems: list[Problem]) -> Iterator:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(
                Problem(origin, number, f"invalid JSON: {exc.msg} at column {exc.colno}")
            )
        except (ValueError, RecursionError) as exc:  # a 5,000-digit number, 100k nested [
            problems.append(Problem(origin, number, unreadable_json(exc)))


def unreadable_json(exc: ValueError | RecursionError) -> str:
    """What to say of a line json.loads refused for something other than its syntax."""
    if isinstance(exc, RecursionError):
        return "unreadable JSON (nested too deeply)"
    return f"unreadable JSON ({str(exc).split(';')[0][:120]})"


def _records_csv(text: str, origin: str, problems: list[Problem]) -> Iterator:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header, problem = header_of(reader)
    if problem:
        problems.append(Problem(origin, 1, problem))
        return
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if missing:
        problems.append(Problem(origin, 1, f"CSV header lacks column(s) {missing}; has {header}"))
        return
    for line, row, problem in csv_rows(reader):
        if row is None:
            problems.append(Problem(origin, line, problem or "unreadable CSV row"))
        elif None in row:
            problems.append(Problem(origin, line, "more cells than header columns"))
        else:
            yield line, {k: v for k, v in row.items() if v not in (None, "") or k == "text"}


def parse_examples(content: str, origin: str, fmt: str = "jsonl") -> tuple[list, list[Problem]]:
    """Examples and problems from the text of one file; `fmt` is "jsonl" or "csv"."""
    problems: list[Problem] = []
    if fmt == "csv":
        records = _records_csv(content, origin, problems)
    else:
        # Split on "\n" only: str.splitlines() would also break at U+2028, U+0085 and other
        # characters that JSON strings may hold raw.
        records = _records_jsonl(
            (line.rstrip("\r") for line in content.split("\n")), origin, problems
        )
    examples = []
    for line, raw in records:
        record = _parse_record(raw, origin, line, problems)
        if record is None:
            continue
        text = record["text"]
        example_id = str(record.get("id") or f"{Path(origin).stem}:{line}")
        examples.append(
            LabeledExample(
                text=text,
                label=record["label"],
                lang=record.get("lang") or detect_language(text),
                id=example_id,
                source=str(record.get("source") or ""),
                group=str(record.get("group") or f"{origin}:{line}"),
                origin=f"{origin}:{line}",
                register=str(record.get("register") or ""),
            )
        )
    return examples, problems


def read_file(path: Path) -> tuple[list[LabeledExample], list[Problem]]:
    try:
        content = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [Problem(str(path), None, f"not UTF-8 text (byte {exc.start})")]
    except OSError as exc:
        return [], [Problem(str(path), None, f"cannot read: {exc.strerror}")]
    fmt = "csv" if path.suffix.lower() == ".csv" else "jsonl"
    return parse_examples(content, str(path), fmt)


def check_examples(
    examples: Sequence[LabeledExample], min_per_label: int = MIN_EXAMPLES_PER_LABEL
) -> list[Problem]:
    """Problems that only show across files: conflicting duplicates, repeated ids, thin labels."""
    problems: list[Problem] = []
    first_seen: dict[str, LabeledExample] = {}
    for example in examples:
        key = text_key(example.text)
        earlier = first_seen.setdefault(key, example)
        if earlier is not example and earlier.label != example.label:
            file, _, line = example.origin.rpartition(":")
            problems.append(
                Problem(
                    file,
                    int(line),
                    f"same text as {earlier.origin} but labeled {example.label!r}, "
                    f"not {earlier.label!r}",
                )
            )
    first_with_id: dict[str, LabeledExample] = {}
    for example in examples:
        earlier = first_with_id.setdefault(example.id, example)
        if earlier is not example:
            file, _, line = example.origin.rpartition(":")
            problems.append(
                Problem(file, int(line), f"id {example.id!r} is already used at {earlier.origin}")
            )
    counts = Counter(e.label for e in examples)
    for label in LABELS:
        if counts.get(label, 0) < min_per_label:
            problems.append(
                Problem(
                    "dataset",
                    None,
                    f"label {label!r} has {counts.get(label, 0)} examples; "
                    f"at least {min_per_label} are needed",
                )
            )
    return problems


def data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in (".jsonl", ".csv"))


def load_dataset(paths: Sequence[Path], min_per_label: int = MIN_EXAMPLES_PER_LABEL) -> Dataset:
    """Read files or folders of files; raise DatasetError listing every problem."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = data_files(path)
            if not found:
                problems.append(Problem(str(path), None, "folder holds no .jsonl or .csv file"))
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(str(path), None, "no such file or folder"))
    examples: list[LabeledExample] = []
    for file in files:
        found_examples, found_problems = read_file(file)
        examples.extend(found_examples)
        problems.extend(found_problems)
    problems.extend(check_examples(examples, min_per_label))
    if problems:
        raise DatasetError(problems)
    return Dataset(tuple(examples), tuple(str(f) for f in files))


def load_training_data(data_dir: Path) -> Dataset:
    """The corpus the default model is trained on."""
    return load_dataset([data_dir / CORPUS_FOLDER])


def load_holdout(data_dir: Path) -> Dataset:
    """The fixed evaluation split: never trained on, used to compare models.

    It only has to contain every label, not enough of each to train on.
    """
    return load_dataset([data_dir / HOLDOUT_FOLDER], min_per_label=1)
