"""Fit the pipeline on a dataset, and record what went in so the model can be traced back."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from classifier.augment import training_rows
from classifier.calibration import apply_temperature
from classifier.dataset import Dataset
from classifier.evaluation import (
    EvaluationReport,
    evaluate_model,
    out_of_fold_logits,
    report_from_logits,
)
from classifier.model import ModelParams, StageClassifier, build_pipeline

# progress(fraction done, message): the CLI prints the message, a job stores both.
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class TrainingConfig:
    params: ModelParams = field(default_factory=ModelParams)
    seed: int = 0
    cv_folds: int = 5  # 0 skips cross-validation

    def to_dict(self) -> dict[str, object]:
        return {"params": self.params.to_dict(), "seed": self.seed, "cv_folds": self.cv_folds}


@dataclass(frozen=True)
class TrainedModel:
    classifier: StageClassifier
    config: TrainingConfig
    data: dict[str, object]
    trained_at: str
    fit_seconds: float
    cross_validation: EvaluationReport | None = None
    holdout: EvaluationReport | None = None
    notes: dict[str, object] = field(default_factory=dict)


def describe_data(dataset: Dataset) -> dict[str, object]:
    """Files with their checksums and the counts per label and language."""
    files = []
    for name in dataset.files:
        path = Path(name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        files.append({"path": path.name, "sha256": digest})
    return {
        "files": files,
        "examples": len(dataset),
        "per_label": dataset.label_counts(),
        "per_language": dataset.lang_counts(),
    }


def fit(dataset: Dataset, config: TrainingConfig, temperature: float = 1.0) -> StageClassifier:
    pipeline = build_pipeline(config.params, random_state=config.seed)
    pipeline.fit(*training_rows(dataset.texts, dataset.labels, config.params))
    for _name, vectorizer in pipeline.named_steps["features"].transformer_list:
        # The terms min_df dropped: only kept for introspection, and often most of the pickle.
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
    if temperature != 1.0:
        apply_temperature(pipeline, temperature)
    return StageClassifier(pipeline)


def train(
    dataset: Dataset,
    config: TrainingConfig | None = None,
    holdout: Dataset | None = None,
    progress: Progress | None = None,
) -> TrainedModel:
    """Cross-validate (when asked), fit on all of `dataset`, and score on `holdout` if given."""
    config = config or TrainingConfig()
    say = progress or (lambda _fraction, _message: None)
    report = None
    temperature = 1.0
    if config.cv_folds:
        say(0.0, f"cross-validating on {len(dataset)} examples ({config.cv_folds} grouped folds)")
        logits = out_of_fold_logits(
            dataset,
            config.params,
            folds=config.cv_folds,
            seed=config.seed,
            on_fold=lambda n, total: say(0.8 * n / total, f"  fold {n}/{total} done"),
        )
        report, temperature = report_from_logits(dataset, logits, config.cv_folds)
    say(0.8, f"fitting on all {len(dataset)} examples")
    started = time.perf_counter()
    classifier = fit(dataset, config, temperature)
    seconds = time.perf_counter() - started
    holdout_report = None
    if holdout is not None and len(holdout):
        say(0.95, f"scoring the holdout split ({len(holdout)} examples)")
        holdout_report = evaluate_model(classifier, holdout, f"holdout ({len(holdout)} examples)")
    return TrainedModel(
        classifier=classifier,
        config=config,
        data=describe_data(dataset),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        fit_seconds=round(seconds, 2),
        cross_validation=report,
        holdout=holdout_report,
        notes={"temperature": round(temperature, 6)},
    )


__all__ = ["TrainedModel", "TrainingConfig", "describe_data", "fit", "train"]
