"""Training copies without cue words, so a label is learned from what a text says it does.

Words like "agent", "robot", 生成 or 识别 appear under every label in real writing, yet in any
corpus they lean toward one. Every training text that holds a cue word is also trained on as a
copy with those words blanked out: the model must then find the label in the rest of the text
(what the product does, for whom, with what), and the cue's own weight is learned only from the
share of evidence it really carries. Chosen by grouped cross-validation and the holdout split
(bench/MODEL_SELECTION.md); it changes training only, never the fitted pipeline's inputs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from classifier.cue_words import CUES
from classifier.model import ModelParams

_ANY_CUE = re.compile("|".join(f"(?:{pattern})" for pattern in CUES.values()), re.IGNORECASE)


def without_cues(text: str) -> str:
    return _ANY_CUE.sub(" ", text)


def with_cue_free_copies(
    texts: Sequence[str], labels: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The texts and labels, followed by a cue-free copy of each text that holds a cue word."""
    out_texts, out_labels = list(texts), list(labels)
    for text, label in zip(texts, labels, strict=True):
        if _ANY_CUE.search(text):
            stripped = without_cues(text)
            if stripped.strip():
                out_texts.append(stripped)
                out_labels.append(label)
    return out_texts, out_labels


def training_rows(
    texts: Sequence[str], labels: Sequence[str], params: ModelParams
) -> tuple[list[str], list[str]]:
    """What the pipeline is fitted on: the examples, plus cue-free copies when chosen."""
    if params.cue_free_copies:
        return with_cue_free_copies(texts, labels)
    return list(texts), list(labels)
