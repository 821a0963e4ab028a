"""The quality gate: may a candidate model replace the one serving?

Both models are scored on the same fixed holdout split, which neither was trained on. The
candidate passes when its macro-F1 is at most `macro_margin` below the current model's and no
label's F1 falls by more than `label_margin`. Without a current model, any candidate passes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from classifier.dataset import Dataset
from classifier.evaluation import EvaluationReport, evaluate_model
from classifier.model import StageClassifier

DEFAULT_MACRO_MARGIN = 0.01
DEFAULT_LABEL_MARGIN = 0.05


@dataclass(frozen=True)
class GateConfig:
    macro_margin: float = DEFAULT_MACRO_MARGIN
    label_margin: float = DEFAULT_LABEL_MARGIN


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    reasons: list[str]
    candidate: EvaluationReport
    current: EvaluationReport | None
    current_version: str | None
    config: GateConfig = field(default_factory=GateConfig)

    def to_dict(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "reasons": self.reasons,
            "current_version": self.current_version,
            "margins": asdict(self.config),
            "candidate": self.candidate.to_dict(with_errors=False),
            "current": self.current.to_dict(with_errors=False) if self.current else None,
        }


def compare_reports(
    candidate: EvaluationReport, current: EvaluationReport, config: GateConfig
) -> list[str]:
    """Every way the candidate is worse than allowed; empty when it passes."""
    reasons = []
    drop = current.macro_f1 - candidate.macro_f1
    if drop > config.macro_margin:
        reasons.append(
            f"macro-F1 {candidate.macro_f1:.4f} is {drop:.4f} below the current "
            f"{current.macro_f1:.4f} (allowed: {config.macro_margin})"
        )
    for label, now in current.per_label.items():
        then = candidate.per_label[label]
        label_drop = now.f1 - then.f1
        if label_drop > config.label_margin:
            reasons.append(
                f"{label} F1 {then.f1:.4f} is {label_drop:.4f} below the current {now.f1:.4f} "
                f"(allowed: {config.label_margin})"
            )
    return reasons


def judge(
    candidate: StageClassifier,
    current: StageClassifier | None,
    holdout: Dataset,
    config: GateConfig | None = None,
) -> GateDecision:
    config = config or GateConfig()
    candidate_report = evaluate_model(candidate, holdout, "holdout, candidate")
    if current is None:
        return GateDecision(True, ["no current model"], candidate_report, None, None, config)
    current_report = evaluate_model(current, holdout, f"holdout, model {current.version}")
    reasons = compare_reports(candidate_report, current_report, config)
    return GateDecision(
        passed=not reasons,
        reasons=reasons or ["no worse than the current model on the holdout split"],
        candidate=candidate_report,
        current=current_report,
        current_version=current.version,
        config=config,
    )
