"""Choose the model again on corpus v2, by grouped cross-validation and the holdout split.

    python -m bench.model_selection [--quick]

Each candidate is scored by grouped 5-fold cross-validation on the corpus (folds keep every
writing group on one side) and, trained on the whole corpus, on the holdout split. The challenge
set is deliberately not used here: it measures the chosen model, it does not choose it.

Candidates are the shipped design with different regularisation, with and without cue-free
training copies (classifier/augment.py, tried and not kept), and a two-step design (an "is this
AI at all" model, then a four-stage model for the rest). A second table compares how far logits
are scaled down for texts with few known features (classifier/calibration.py): F1, calibration,
and the highest confidence the model gives to one- and two-word texts. Results go to
bench/MODEL_SELECTION.md.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.model_selection import StratifiedGroupKFold

import classifier.calibration as calibration
from classifier.dataset import Dataset, load_training_data
from classifier.evaluation import (
    EvaluationReport,
    cross_validate,
    evaluate_model,
    report_from_probabilities,
)
from classifier.model import ModelParams, build_pipeline
from classifier.taxonomy import LABELS
from classifier.training import TrainingConfig, fit, train
from service.bootstrap import holdout_if_present
from service.paths import data_dir as _data_dir

SHIPPED = ModelParams()
COPIES = replace(SHIPPED, cue_free_copies=True)
CANDIDATES: dict[str, ModelParams] = {
    "C=30 (shipped)": SHIPPED,
    "C=10": replace(SHIPPED, C=10.0),
    "C=100": replace(SHIPPED, C=100.0),
    "cue-free copies, C=30": COPIES,
    "cue-free copies, C=10": replace(COPIES, C=10.0),
    "cue-free copies, C=100": replace(COPIES, C=100.0),
}
TWO_STEP = "two steps: AI or not, then the stage (C=30)"
EVIDENCE_SETTINGS = (0, 8, 15)
# Texts with little or no evidence: single words (stage cue words among them) and fillers.
FEW_WORDS = (
    "robot",
    "agent",
    "AI",
    "生成",
    "识别",
    "智能体",
    "a",
    "The",
    "API",
    "app",
    "the new one",
    "我们的",
    "這個",
    "it works",
    "for",
    "and the",
    "our",
    "产品",
    "Product",
    "🤖",
)
QUICK = ["C=30 (shipped)", "cue-free copies, C=30"]


def _two_step_proba(train: Dataset, texts: list[str]) -> np.ndarray:
    template = build_pipeline(SHIPPED)
    is_ai = clone(template).fit(
        train.texts, ["none" if y == "none" else "ai" for y in train.labels]
    )
    staged = [(x, y) for x, y in zip(train.texts, train.labels, strict=True) if y != "none"]
    stage = clone(template).fit([x for x, _ in staged], [y for _, y in staged])
    p_none = is_ai.predict_proba(texts)[:, list(is_ai.classes_).index("none")]
    p_stage = stage.predict_proba(texts)
    proba = np.zeros((len(texts), len(LABELS)))
    proba[:, LABELS.index("none")] = p_none
    for column, label in enumerate(stage.classes_):
        proba[:, LABELS.index(label)] = (1 - p_none) * p_stage[:, column]
    return proba


def _two_step(dataset: Dataset, holdout: Dataset | None) -> tuple[EvaluationReport, float | None]:
    splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)
    proba = np.zeros((len(dataset), len(LABELS)))
    labels = np.array(dataset.labels)
    for fitted_on, test in splitter.split(dataset.texts, labels, groups=dataset.groups):
        part = Dataset(tuple(dataset.examples[i] for i in fitted_on))
        proba[test] = _two_step_proba(part, [dataset.texts[i] for i in test])
    report = report_from_probabilities(dataset, proba, "grouped 5-fold cross-validation")
    if holdout is None:
        return report, None
    held = report_from_probabilities(holdout, _two_step_proba(dataset, holdout.texts), "holdout")
    return report, held.macro_f1


def _one_design(params: ModelParams) -> Callable[[Dataset, Dataset | None], tuple]:
    def run(dataset: Dataset, holdout: Dataset | None) -> tuple[EvaluationReport, float | None]:
        report = cross_validate(dataset, params, folds=5, seed=0)
        model = fit(dataset, TrainingConfig(params=params, cv_folds=0))
        return report, evaluate_model(model, holdout, "holdout").macro_f1 if holdout else None

    return run


def _evidence_table(dataset: Dataset, holdout: Dataset | None) -> list[str]:
    rows = [
        "",
        "## Scaling down the logits of texts with few known features",
        "",
        f"Shipped design, trained with `train()` (grouped 5-fold CV and temperature). "
        f"'Few-word texts' are {len(FEW_WORDS)} one- and two-word inputs such as "
        "'robot', 'The', '生成'.",
        "",
        "| EVIDENCE_FEATURES | CV macro-F1 | CV ECE | holdout macro-F1 | holdout ECE "
        "| highest confidence on a few-word text | few-word texts above 95% |",
        "|---|---|---|---|---|---|---|",
    ]
    shipped = calibration.EVIDENCE_FEATURES
    try:
        for setting in EVIDENCE_SETTINGS:
            calibration.EVIDENCE_FEATURES = setting
            trained = train(dataset, TrainingConfig(), holdout=holdout)
            report, held = trained.cross_validation, trained.holdout
            assert report is not None
            top = [float(trained.classifier.predict_proba([t]).max()) for t in FEW_WORDS]
            line = (
                f"| {setting or 'off'} | {report.macro_f1:.4f} | {report.ece:.4f} | "
                f"{held.macro_f1 if held else float('nan'):.4f} | "
                f"{held.ece if held else float('nan'):.4f} | {max(top):.2f} | "
                f"{sum(t > 0.95 for t in top)} of {len(top)} |"
            )
            print(line, flush=True)
            rows.append(line)
    finally:
        calibration.EVIDENCE_FEATURES = shipped
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="two candidates only")
    parser.add_argument("--output", default=str(Path(__file__).with_name("MODEL_SELECTION.md")))
    args = parser.parse_args()
    dataset = load_training_data(_data_dir().path)
    holdout = holdout_if_present(_data_dir().path)
    runs = {name: _one_design(CANDIDATES[name]) for name in (QUICK if args.quick else CANDIDATES)}
    if not args.quick:
        runs[TWO_STEP] = _two_step
    rows = []
    for name, run in runs.items():
        started = time.perf_counter()
        report, held = run(dataset, holdout)
        langs = report.per_language
        row = (
            name,
            report.macro_f1,
            langs["en"]["macro_f1"],
            langs["zh-Hant"]["macro_f1"],
            langs["zh-Hans"]["macro_f1"],
            report.per_label["none"].f1,
            held if held is not None else float("nan"),
            time.perf_counter() - started,
        )
        rows.append(row)
        print(" | ".join(str(round(v, 4)) if isinstance(v, float) else v for v in row), flush=True)
    header = (
        "| candidate | grouped CV macro-F1 | en | zh-Hant | zh-Hans | CV none F1 | holdout "
        "macro-F1 | seconds |\n|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r[0]} | {r[1]:.4f} | {r[2]:.4f} | {r[3]:.4f} | {r[4]:.4f} | {r[5]:.4f} | {r[6]:.4f} "
        f"| {r[7]:.0f} |"
        for r in rows
    ]
    evidence_rows = [] if args.quick else _evidence_table(dataset, holdout)
    Path(args.output).write_text(
        "# Model selection (corpus v2)\n\n"
        f"Corpus: {len(dataset)} examples; holdout: {len(holdout) if holdout else 0}. "
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}. "
        "Command: `python -m bench.model_selection`. The challenge set plays no part here.\n\n"
        "The two-step design's probabilities are not temperature-scaled, which does not change "
        "its F1.\n\n" + header + "\n".join(lines) + "\n" + "\n".join(evidence_rows) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
