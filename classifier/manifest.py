"""The manifest that vouches for a model artifact, as a typed model instead of a loose dict.

It is written by `persistence`, read back and validated before anything is unpickled, and shown
to users in two forms: whole (for the CLI and the token holder) and `public()`, which leaves out
the examples of mistakes, since those are training texts and users' corrections.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1


class ArtifactInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)


class ModelMetrics(BaseModel):
    """Evaluation reports as `EvaluationReport.to_dict()` wrote them."""

    model_config = ConfigDict(frozen=True)

    cross_validation: dict[str, Any] | None = None
    holdout: dict[str, Any] | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format_version: int
    version: str
    created_at: str
    training: dict[str, Any] = Field(default_factory=dict)
    data: dict[str, Any] = Field(default_factory=dict)
    taxonomy_sha256: str = ""
    metrics: ModelMetrics = Field(default_factory=ModelMetrics)
    notes: dict[str, Any] = Field(default_factory=dict)
    artifact: ArtifactInfo
    libraries: dict[str, str]

    @property
    def cv_macro_f1(self) -> float | None:
        report = self.metrics.cross_validation or {}
        value = report.get("macro_f1")
        return float(value) if isinstance(value, int | float) else None

    @property
    def examples(self) -> int | None:
        value = self.data.get("examples")
        return value if isinstance(value, int) else None

    def public(self) -> dict[str, Any]:
        """Everything but texts: safe to show to anyone who may classify."""
        data = self.model_dump()
        for report in data["metrics"].values():
            if isinstance(report, dict):
                report.pop("misclassified", None)
        return data
