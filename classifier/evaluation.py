"""How good a model is, measured so that the number predicts performance on unseen text.

Cross-validation is grouped: every example of one `group` (one writer's batch) lands on the same
side of each split, so the score is not inflated by near-twins in train and test. The report is
plain data, so the CLI prints it, the registry stores it in the manifest and the gate compares it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.base import clone
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold

from classifier.augment import training_rows
from classifier.calibration import fit_temperature, probabilities
from classifier.dataset import Dataset
from classifier.language import LANGS
from classifier.model import ModelParams, StageClassifier, build_pipeline
from classifier.taxonomy import LABELS

CALIBRATION_BINS = 10
MISCLASSIFIED_KEPT = 200


@dataclass(frozen=True)
class LabelScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Misclassified:
    id: str
    text: str
    label: str
    predicted: str
    confidence: float
    lang: str


@dataclass(frozen=True)
class EvaluationReport:
    method: str
    n: int
    accuracy: float
    macro_f1: float
    per_label: dict[str, LabelScores]
    per_language: dict[str, dict[str, float]]
    confusion: list[list[int]]
    brier: float
    ece: float
    misclassified: list[Misclassified] = field(default_factory=list)
    per_register: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self, with_errors: bool = True) -> dict[str, object]:
        data = asdict(self)
        if not with_errors:
            data.pop("misclassified")
        return data

    @classmethod
    def from_dict(cls, raw: dict) -> EvaluationReport:
        return cls(
            method=raw["method"],
            n=raw["n"],
            accuracy=raw["accuracy"],
            macro_f1=raw["macro_f1"],
            per_label={k: LabelScores(**v) for k, v in raw["per_label"].items()},
            per_language=raw["per_language"],
            confusion=raw["confusion"],
            brier=raw["brier"],
            ece=raw["ece"],
            misclassified=[Misclassified(**m) for m in raw.get("misclassified", [])],
            per_register=raw.get("per_register", {}),
        )


def report_from_probabilities(dataset: Dataset, proba: np.ndarray, method: str) -> EvaluationReport:
    """Score predictions (rows of probabilities in LABELS order) against the dataset's labels."""
    truth = np.array([LABELS.index(label) for label in dataset.labels])
    predicted = proba.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=range(len(LABELS)), zero_division=0
    )
    per_label = {
        label: LabelScores(
            precision=round(float(precision[i]), 4),
            recall=round(float(recall[i]), 4),
            f1=round(float(f1[i]), 4),
            support=int(support[i]),
        )
        for i, label in enumerate(LABELS)
    }
    langs = np.array(dataset.langs)
    per_language = _slices(truth, predicted, langs, LANGS)
    registers = np.array([e.register for e in dataset.examples])
    per_register = _slices(truth, predicted, registers, sorted(set(registers) - {""}))
    misclassified = [
        Misclassified(
            id=example.id,
            text=example.text if len(example.text) <= 300 else example.text[:297] + "...",
            label=example.label,
            predicted=LABELS[predicted[i]],
            confidence=round(float(proba[i, predicted[i]]), 4),
            lang=example.lang,
        )
        for i, example in enumerate(dataset.examples)
        if predicted[i] != truth[i]
    ]
    misclassified.sort(key=lambda m: -m.confidence)
    return EvaluationReport(
        method=method,
        n=len(dataset),
        accuracy=round(float((predicted == truth).mean()), 4),
        macro_f1=round(_macro_f1(truth, predicted), 4),
        per_label=per_label,
        per_language=per_language,
        confusion=confusion_matrix(truth, predicted, labels=range(len(LABELS))).tolist(),
        brier=round(brier_score(proba, truth), 4),
        ece=round(expected_calibration_error(proba, truth), 4),
        misclassified=misclassified[:MISCLASSIFIED_KEPT],
        per_register=per_register,
    )


def _slices(
    truth: np.ndarray, predicted: np.ndarray, keys: np.ndarray, names: list[str] | tuple[str, ...]
) -> dict[str, dict[str, float]]:
    """Scores for each subset of examples sharing a key (a language, a register)."""
    scores = {}
    for name in names:
        mask = keys == name
        if mask.any():
            scores[name] = {
                "n": int(mask.sum()),
                "accuracy": round(float((predicted[mask] == truth[mask]).mean()), 4),
                "macro_f1": round(_macro_f1(truth[mask], predicted[mask]), 4),
            }
    return scores


def _macro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """Macro-F1 over the labels present in the truth, so a language slice is not punished for
    labels it has no examples of."""
    present = sorted(set(truth.tolist()))
    _, _, f1, _ = precision_recall_fscore_support(truth, predicted, labels=present, zero_division=0)
    return float(np.mean(f1))


def brier_score(proba: np.ndarray, truth: np.ndarray) -> float:
    """Mean squared distance between the probability vector and the one-hot truth."""
    onehot = np.zeros_like(proba)
    onehot[np.arange(len(truth)), truth] = 1.0
    return float(((proba - onehot) ** 2).sum(axis=1).mean())


def expected_calibration_error(proba: np.ndarray, truth: np.ndarray) -> float:
    """How far stated confidence is from observed accuracy, weighted over confidence bins."""
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == truth
    edges = np.linspace(0.0, 1.0, CALIBRATION_BINS + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        mask = (confidence > low) & (confidence <= high)
        if mask.any():
            error += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(error)


def evaluate_model(model: StageClassifier, dataset: Dataset, method: str) -> EvaluationReport:
    return report_from_probabilities(dataset, model.predict_proba(dataset.texts), method)


def out_of_fold_logits(
    dataset: Dataset,
    params: ModelParams,
    folds: int = 5,
    seed: int = 0,
    on_fold: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Logits (columns in LABELS order) for every example from a model that never saw it.

    Folds are stratified by label and grouped, so one writer's batch is never split.
    """
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    texts = np.array(dataset.texts, dtype=object)
    labels = np.array(dataset.labels)
    logits = np.zeros((len(dataset), len(LABELS)))
    template = build_pipeline(params, random_state=seed)
    for number, (train, test) in enumerate(
        splitter.split(texts, labels, groups=dataset.groups), start=1
    ):
        rows = training_rows(list(texts[train]), list(labels[train]), params)
        pipeline = clone(template).fit(*rows)
        logits[test] = StageClassifier(pipeline).decision_function(list(texts[test]))
        if on_fold:
            on_fold(number, folds)
    return logits


def cross_validate(
    dataset: Dataset,
    params: ModelParams,
    folds: int = 5,
    seed: int = 0,
    on_fold: Callable[[int, int], None] | None = None,
    temperature: float | None = None,
) -> EvaluationReport:
    """Grouped k-fold report; `temperature=None` fits one on the out-of-fold logits."""
    logits = out_of_fold_logits(dataset, params, folds, seed, on_fold)
    report, _ = report_from_logits(dataset, logits, folds, temperature)
    return report


def report_from_logits(
    dataset: Dataset, logits: np.ndarray, folds: int, temperature: float | None = None
) -> tuple[EvaluationReport, float]:
    truth = np.array([LABELS.index(label) for label in dataset.labels])
    if temperature is None:
        temperature = fit_temperature(logits, truth)
    proba = probabilities(logits, temperature)
    method = f"grouped {folds}-fold cross-validation"
    return report_from_probabilities(dataset, proba, method), temperature


def format_report(report: EvaluationReport, errors: int = 10) -> str:
    """A plain-text table, for terminals and logs."""
    lines = [
        f"{report.method}: {report.n} examples",
        f"accuracy {report.accuracy:.4f}   macro-F1 {report.macro_f1:.4f}   "
        f"Brier {report.brier:.4f}   ECE {report.ece:.4f}",
        "",
        f"{'label':<12}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}",
    ]
    for label, s in report.per_label.items():
        lines.append(
            f"{label:<12}{s.precision:>10.4f}{s.recall:>10.4f}{s.f1:>10.4f}{s.support:>10}"
        )
    lines += ["", f"{'language':<12}{'n':>10}{'accuracy':>10}{'macro-F1':>10}"]
    for lang, s in report.per_language.items():
        lines.append(f"{lang:<12}{s['n']:>10}{s['accuracy']:>10.4f}{s['macro_f1']:>10.4f}")
    if report.per_register:
        lines += ["", f"{'register':<14}{'n':>8}{'accuracy':>10}{'macro-F1':>10}"]
        for name, s in report.per_register.items():
            lines.append(f"{name:<14}{s['n']:>8}{s['accuracy']:>10.4f}{s['macro_f1']:>10.4f}")
    lines += ["", "confusion (rows: true label, columns: predicted)"]
    lines.append(" " * 12 + "".join(f"{label[:10]:>11}" for label in LABELS))
    for label, row in zip(LABELS, report.confusion, strict=True):
        lines.append(f"{label:<12}" + "".join(f"{v:>11}" for v in row))
    if errors and report.misclassified:
        lines += ["", f"most confident mistakes (of {len(report.misclassified)} kept):"]
        for m in report.misclassified[:errors]:
            text = m.text.replace("\n", " ")
            text = text if len(text) <= 90 else text[:87] + "..."
            lines.append(f"  {m.label} -> {m.predicted} ({m.confidence:.2f}) [{m.lang}] {text}")
    return "\n".join(lines)
