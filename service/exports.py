"""Stored corrections as training examples, and writing examples out as a training JSONL file
(shared by training, `feedback export` and `review export`).

The file is written beside its destination and renamed into place, so an interrupted export
never leaves half a file where a training run would read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from classifier.dataset import LabeledExample
from classifier.language import detect_language


def write_examples(examples: Iterable[LabeledExample], destination: Path) -> int:
    destination.parent.mkdir(parents=True, exist_ok=True)
    temp = destination.with_name(f".{destination.name}.partial")
    count = 0
    try:
        with temp.open("w", encoding="utf-8") as handle:
            for example in examples:
                handle.write(json.dumps(example.to_dict(), ensure_ascii=False) + "\n")
                count += 1
        temp.replace(destination)
    finally:
        temp.unlink(missing_ok=True)
    return count


def stored_example(text: str, label: str, source: str, number: int) -> LabeledExample:
    """A correction kept in the database (feedback or a settled review item) as an example."""
    name = f"{source}-{number}"
    return LabeledExample(
        text=text,
        label=label,
        lang=detect_language(text),
        id=name,
        source=source,
        group=name,
        origin=f"{source}:{number}",
    )
