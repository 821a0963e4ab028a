"""Retraining: from labeled data and corrections to a published model, through the gate.

Shared by `ai-stage train` and by training jobs started over HTTP, so both apply the same rules:
the candidate is trained on the corpus plus any extra files plus stored corrections, judged
against the serving model on the fixed holdout split, and published and promoted only when it
passes (or when `force` says so, which the manifest records).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from classifier.dataset import (
    CORPUS_FOLDER,
    Dataset,
    LabeledExample,
    check_examples,
    load_dataset,
    text_key,
)
from classifier.errors import ClassifierError, DatasetError, Problem
from classifier.gate import GateConfig, GateDecision, judge
from classifier.registry import Registry
from classifier.training import TrainedModel, TrainingConfig, train
from service.bootstrap import holdout_if_present
from service.exports import stored_example
from service.review import rescore_pending
from service.review_queue import ReviewQueue
from service.store import Feedback, Store

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class RetrainRequest:
    data_dir: Path
    extra_files: tuple[Path, ...] = ()
    include_base: bool = True
    use_feedback: bool = False
    database: Path | None = None
    force: bool = False
    promote: bool = True
    gate: GateConfig = field(default_factory=GateConfig)
    config: TrainingConfig = field(default_factory=TrainingConfig)


@dataclass(frozen=True)
class RetrainOutcome:
    state: str  # "succeeded" or "rejected"
    version: str | None
    promoted: bool
    decision: GateDecision
    trained: TrainedModel

    def to_dict(self) -> dict[str, object]:
        cv = self.trained.cross_validation
        return {
            "state": self.state,
            "version": self.version,
            "promoted": self.promoted,
            "examples": self.trained.data["examples"],
            "gate": self.decision.to_dict(),
            "cross_validation": cv.to_dict(with_errors=False) if cv else None,
        }


def feedback_examples(corrections: list[Feedback]) -> list[LabeledExample]:
    """Stored corrections as training examples; a later correction of the same text wins."""
    latest: dict[str, Feedback] = {}
    for item in corrections:
        latest[text_key(item.text)] = item
    return [stored_example(item.text, item.label, "feedback", item.id) for item in latest.values()]


def assemble_dataset(request: RetrainRequest) -> Dataset:
    """Corpus + extra files + corrections; corrections replace corpus examples of the same text."""
    parts: list[Dataset] = []
    if request.include_base:
        parts.append(load_dataset([request.data_dir / CORPUS_FOLDER], min_per_label=0))
    if request.extra_files:
        parts.append(load_dataset(list(request.extra_files), min_per_label=0))
    examples = [e for part in parts for e in part.examples]
    files = tuple(f for part in parts for f in part.files)
    if request.use_feedback:
        if request.database is None:
            raise DatasetError([Problem("feedback", None, "no feedback database configured")])
        corrections = feedback_examples(Store(request.database).all_feedback())
        corrected = {text_key(c.text) for c in corrections}
        examples = [e for e in examples if text_key(e.text) not in corrected] + corrections
    problems = check_examples(examples)
    if problems:
        raise DatasetError(problems)
    return Dataset(tuple(examples), files)


def _current_model(registry: Registry):
    if registry.current_version() is None:
        return None
    try:
        classifier, _ = registry.load()
    except ClassifierError:
        # A current model that no longer loads (tampered, wrong library) cannot veto its
        # replacement; the decision records that there was nothing to compare with.
        return None
    return classifier


def retrain(
    request: RetrainRequest, registry: Registry, progress: Progress | None = None
) -> RetrainOutcome:
    say = progress or (lambda _fraction, _message: None)
    say(0.02, "reading and validating the training data")
    dataset = assemble_dataset(request)
    holdout = holdout_if_present(request.data_dir)
    if holdout is None:
        raise DatasetError(
            [Problem(str(request.data_dir / "holdout"), None, "no holdout split to gate on")]
        )
    trained = train(
        dataset,
        request.config,
        holdout=holdout,
        progress=lambda fraction, message: say(0.05 + 0.8 * fraction, message),
    )
    say(0.88, "comparing the candidate with the serving model on the holdout split")
    decision = judge(trained.classifier, _current_model(registry), holdout, request.gate)
    if not decision.passed and not request.force:
        say(1.0, "rejected: " + "; ".join(decision.reasons))
        return RetrainOutcome("rejected", None, False, decision, trained)
    notes = {"gate": decision.to_dict(), "forced": bool(request.force and not decision.passed)}
    version = registry.publish(trained, promote=request.promote, notes=notes)
    note = ""
    if request.promote and request.database is not None:
        say(0.97, "re-scoring the review queue with the new model")
        try:
            rescore_pending(ReviewQueue(Store(request.database)), trained.classifier, version)
        except (sqlite3.Error, OSError) as exc:
            # The model is already published and serving; a queue left in the old order is
            # no reason to report the training as failed.
            note = f" (the review queue keeps its old order: {exc})"
    say(1.0, f"published {version}" + (" and promoted it" if request.promote else "") + note)
    return RetrainOutcome("succeeded", version, request.promote, decision, trained)
