"""Review use cases, shared by the CLI, tag jobs and the HTTP routes: pick the doubtful calls
out of predictions and queue them, and turn settled items into training examples.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from classifier.batch.readers import InputRecord
from classifier.dataset import LabeledExample
from classifier.doubt import DoubtRule, top_and_margin
from classifier.errors import ClassifierError
from classifier.limits import MAX_TEXT_CHARS
from classifier.model import Prediction, StageClassifier
from service.exports import stored_example, write_examples
from service.review_queue import Candidate, ReviewItem, ReviewQueue

log = logging.getLogger("ai_stage.review")


@dataclass(frozen=True)
class CapturePolicy:
    rule: DoubtRule
    max_pending: int
    # Settled items become corrections, which /v1/feedback caps at AI_STAGE_MAX_TEXT_CHARS;
    # longer texts are not queued (and the queue's pages stay a sane size).
    max_chars: int = MAX_TEXT_CHARS


@dataclass
class CaptureTally:
    doubtful: int = 0  # calls the rule flagged
    queued: int = 0  # of those, new to the queue (a text is queued once)
    dropped: int = 0  # less doubtful pending items dropped to keep the queue under its cap
    too_long: int = 0  # doubtful, but over the text limit for corrections

    def to_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    def summary(self) -> str:
        text = f"review: {self.doubtful:,} doubtful calls, {self.queued:,} newly queued"
        if self.dropped:
            text += f", {self.dropped:,} less doubtful items dropped (queue at its cap)"
        if self.too_long:
            text += f", {self.too_long:,} not queued (over the text limit)"
        return text


def _candidate(
    text: str,
    scores: dict[str, float],
    version: str,
    source: str,
    job: str | None,
    record: str | None,
) -> Candidate:
    top, margin = top_and_margin(scores)
    predicted = max(scores, key=scores.__getitem__)
    return Candidate(text, source, job, record, version, predicted, top, margin, dict(scores))


class RowCapture:
    """The `on_rows` hook of a tagging run: queues each chunk's doubtful rows as it is written."""

    def __init__(
        self, queue: ReviewQueue, policy: CapturePolicy, source: str, job_id: str | None = None
    ) -> None:
        self.queue, self.policy, self.source, self.job_id = queue, policy, source, job_id
        self.tally = CaptureTally()

    def __call__(self, records: list[InputRecord], rows: list[dict]) -> None:
        found = [
            _candidate(
                record.text or "",
                row["scores"],
                row["model_version"],
                self.source,
                self.job_id,
                record.key,
            )
            for record, row in zip(records, rows, strict=True)
            if "label" in row and record.text and self.policy.rule.is_doubtful(row["scores"])
        ]
        _add(self.queue, self.policy, found, self.tally)


def capture_predictions(
    queue: ReviewQueue,
    policy: CapturePolicy,
    texts: Sequence[str],
    predictions: Sequence[Prediction],
    version: str,
) -> CaptureTally:
    """Queue the doubtful answers to classify requests (only when the operator turned it on)."""
    found = [
        _candidate(text, p.scores, version, "classify", None, None)
        for text, p in zip(texts, predictions, strict=True)
        if policy.rule.is_doubtful(p.scores)
    ]
    tally = CaptureTally()
    _add(queue, policy, found, tally)
    return tally


def capture_after_answering(
    queue: ReviewQueue,
    policy: CapturePolicy,
    texts: Sequence[str],
    predictions: Sequence[Prediction],
    version: str,
) -> None:
    """Capture for a classify request, run after its answer has gone out: the queue is a side
    effect the caller never waits for, and a busy or broken database must not turn a good answer
    into an error."""
    try:
        capture_predictions(queue, policy, texts, predictions, version)
    except (sqlite3.Error, OSError, ClassifierError) as exc:
        log.warning("review capture skipped: %s", exc)


def _add(
    queue: ReviewQueue, policy: CapturePolicy, found: list[Candidate], tally: CaptureTally
) -> None:
    tally.doubtful += len(found)
    short = [c for c in found if len(c.text) <= policy.max_chars]
    tally.too_long += len(found) - len(short)
    if not short:
        return
    queued, dropped = queue.add(short, policy.max_pending)
    tally.queued += queued
    tally.dropped += dropped


def rescore_pending(queue: ReviewQueue, model: StageClassifier, version: str) -> int:
    """Score the waiting items again with a newly promoted model, so the queue's order is the new
    model's doubt, not the old one's; returns how many were re-scored."""
    done, after = 0, 0
    while page := queue.pending_texts(after):
        ids, texts = zip(*page, strict=True)
        predictions = model.predict(list(texts))
        queue.rescore(
            [
                (i, _candidate(text, p.scores, version, "", None, None))
                for i, text, p in zip(ids, texts, predictions, strict=True)
            ]
        )
        done += len(page)
        after = ids[-1]
    return done


def settled_examples(items: Sequence[ReviewItem]) -> list[LabeledExample]:
    return [
        stored_example(item.text, item.answer, "review", item.id)
        for item in items
        if item.answer is not None
    ]


def export_settled(queue: ReviewQueue, destination: Path) -> int:
    """Write the items answered with a label as a training file; returns how many."""
    return write_examples(settled_examples(queue.settled()), destination)
