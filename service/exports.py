"""Writing examples out as a training JSONL file, shared by `feedback export` and `review export`.

The file is written beside its destination and renamed into place, so an interrupted export
never leaves half a file where a training run would read it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from classifier.dataset import LabeledExample


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
