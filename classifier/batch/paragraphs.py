"""Per-paragraph labels and the stage mix of a long text.

A news article often moves between stages: a chip export rule, then a chatbot, then a warehouse
robot. Its label is its main subject, but the breakdown shows each part. Paragraphs are split on
blank lines (single line breaks when there are none), and fragments shorter than `MIN_CHARS`
(headlines, bylines) are joined to the paragraph that follows so each piece has enough to go on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from classifier.model import StageClassifier
from classifier.taxonomy import LABELS

MIN_CHARS = 60
_BLANK_LINE = re.compile(r"\n\s*\n")


def split_paragraphs(text: str, min_chars: int = MIN_CHARS) -> list[str]:
    pieces = [p.strip() for p in _BLANK_LINE.split(text)]
    if len([p for p in pieces if p]) < 2:
        pieces = [p.strip() for p in text.splitlines()]
    paragraphs: list[str] = []
    pending = ""
    for piece in pieces:
        if not piece:
            continue
        candidate = f"{pending}\n{piece}" if pending else piece
        if len(candidate) < min_chars:
            pending = candidate
        else:
            paragraphs.append(candidate)
            pending = ""
    if pending:
        if paragraphs:
            paragraphs[-1] = f"{paragraphs[-1]}\n{pending}"
        else:
            paragraphs.append(pending)
    return paragraphs


def breakdown(texts: Sequence[str], model: StageClassifier) -> list[dict | None]:
    """For each text with two or more paragraphs: its paragraphs' labels and the mix.

    All paragraphs of all texts are classified in one vectorised call. `mix` is the share of
    the text's characters whose paragraph carries each label.
    """
    split = [split_paragraphs(text) for text in texts]
    flat = [p for parts in split for p in parts if len(parts) > 1]
    predictions = iter(model.predict(flat)) if flat else iter(())
    results: list[dict | None] = []
    for parts in split:
        if len(parts) < 2:
            results.append(None)
            continue
        items = []
        chars = dict.fromkeys(LABELS, 0)
        for index, paragraph in enumerate(parts):
            prediction = next(predictions)
            chars[prediction.label] += len(paragraph)
            items.append(
                {
                    "index": index,
                    "label": prediction.label,
                    "confidence": round(prediction.confidence, 4),
                    "chars": len(paragraph),
                }
            )
        total = sum(chars.values()) or 1
        results.append(
            {"paragraphs": items, "mix": {k: round(v / total, 4) for k, v in chars.items()}}
        )
    return results
