"""The scikit-learn pipeline, and the object that answers "which stage is this text?".

`build_pipeline` makes an unfitted, cloneable estimator from `ModelParams`, so cross-validation
and training construct it the same way. `StageClassifier` wraps a *fitted* pipeline and turns its
probabilities into `Prediction`s with per-stage scores and the terms that pushed the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from classifier.calibration import evidence_scale
from classifier.errors import InvalidInputError, NotTrainedError
from classifier.fastpath import FastScorer, NoFastPathError, softmax, softmax_rows
from classifier.features import build_features, display_term
from classifier.limits import MAX_TEXT_CHARS
from classifier.taxonomy import LABELS


@dataclass(frozen=True)
class ModelParams:
    """Hyper-parameters of the pipeline.

    Chosen by grouped cross-validation together with speed (bench/MODEL_SELECTION.md and
    bench/FEATURES.md): character 1-2 grams from CJK runs only, plus word 1-2 grams and
    5-letter word prefixes for Latin text, score within 0.001 macro-F1 of character 1-4 grams
    over every word (in cross-validation and on the holdout split) while tagging long articles
    about ten times faster; C=30 edged out 3, 10 and 100. Folding Traditional characters onto
    Simplified ones raised grouped-CV macro-F1 from 0.927 to 0.931.
    """

    word_ngram_range: tuple[int, int] = (1, 2)
    char_ngram_range: tuple[int, int] = (1, 2)
    char_mode: str = "cjk"
    word_prefix: int = 5
    fold_scripts: bool = True
    min_df: int = 2
    max_features: int | None = None
    sublinear_tf: bool = True
    C: float = 30.0
    class_weight: str | None = "balanced"
    max_iter: int = 2000
    cue_free_copies: bool = False  # training only; tried and not kept: classifier/augment.py

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> ModelParams:
        values = dict(raw)
        for key in ("word_ngram_range", "char_ngram_range"):
            if key in values:
                values[key] = tuple(values[key])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]


def build_pipeline(params: ModelParams, random_state: int = 0) -> Pipeline:
    features = build_features(
        word_ngram_range=params.word_ngram_range,
        char_ngram_range=params.char_ngram_range,
        min_df=params.min_df,
        max_features=params.max_features,
        sublinear_tf=params.sublinear_tf,
        char_mode=params.char_mode,
        word_prefix=params.word_prefix,
        fold_scripts=params.fold_scripts,
    )
    linear = LogisticRegression(
        C=params.C,
        class_weight=params.class_weight,
        max_iter=params.max_iter,
        random_state=random_state,
    )
    return Pipeline([("features", features), ("clf", linear)])


@dataclass(frozen=True)
class Term:
    term: str
    weight: float


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float
    scores: dict[str, float]
    terms: list[Term] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def check_texts(texts: object, max_chars: int = MAX_TEXT_CHARS) -> list[str]:
    """Refuse input that would give a meaningless answer, naming the item and the limit."""
    if isinstance(texts, str | bytes):
        raise InvalidInputError("expected a list of texts, got a single string; wrap it in a list")
    if not isinstance(texts, Sequence):
        raise InvalidInputError(f"expected a list of texts, got {type(texts).__name__}")
    checked: list[str] = []
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidInputError(f"text {index} is {type(text).__name__}, not a string")
        if not text.strip():
            raise InvalidInputError(f"text {index} is empty")
        if len(text) > max_chars:
            raise InvalidInputError(
                f"text {index} has {len(text):,} characters; the limit is {max_chars:,}"
            )
        checked.append(text)
    return checked


def _prediction(scores: Sequence[float], best: int, terms: list[Term]) -> Prediction:
    return Prediction(
        label=LABELS[best],
        confidence=float(scores[best]),
        scores={label: float(s) for label, s in zip(LABELS, scores, strict=True)},
        terms=terms,
    )


class StageClassifier:
    """A fitted pipeline plus the version it was published under."""

    def __init__(self, pipeline: Pipeline, version: str = "unpublished") -> None:
        try:
            check_is_fitted(pipeline)
        except NotFittedError as exc:
            raise NotTrainedError("the pipeline has not been fitted") from exc
        classes = [str(c) for c in pipeline.classes_]
        if sorted(classes) != sorted(LABELS):
            raise NotTrainedError(f"the pipeline knows labels {classes}, expected {list(LABELS)}")
        self.pipeline = pipeline
        self.version = version
        # Column order of predict_proba -> our fixed label order.
        self._column = [classes.index(label) for label in LABELS]
        self._feature_names: np.ndarray | None = None
        # Compiled once, here; a pipeline built from other analyzers falls back to scikit-learn.
        try:
            self._fast: FastScorer | None = FastScorer(pipeline, self._column)
        except NoFastPathError:
            self._fast = None

    @property
    def has_fast_path(self) -> bool:
        return self._fast is not None

    # Every entry point checks its input the same way (check_texts): a bare string is refused
    # rather than scored one character at a time.

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """Logits with columns in `LABELS` order."""
        checked = check_texts(texts)
        if self._fast is not None:
            return self._fast.decision_function(checked)
        return self._pipeline_logits(checked)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities with columns in `LABELS` order."""
        checked = check_texts(texts)
        if self._fast is not None:
            return self._fast.predict_proba(checked)
        return softmax_rows(self._pipeline_logits(checked))

    def pipeline_predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The scikit-learn pipeline's own answer: the reference the fast path must match."""
        return softmax_rows(self._pipeline_logits(check_texts(texts)))

    def _pipeline_logits(self, texts: list[str], features: object = None) -> np.ndarray:
        """scikit-learn's features and linear scores, scaled by the evidence behind each text."""
        if features is None:
            features = self.pipeline.named_steps["features"].transform(texts)
        rows = features.tocsr()  # type: ignore[attr-defined]
        raw = self.pipeline.named_steps["clf"].decision_function(rows)[:, self._column]
        return raw * evidence_scale(np.diff(rows.indptr))[:, None]

    def predict(
        self,
        texts: Sequence[str],
        explain: bool = False,
        top_terms: int = 8,
        max_chars: int = MAX_TEXT_CHARS,
    ) -> list[Prediction]:
        checked = check_texts(texts, max_chars)
        if not checked:
            return []
        if self._fast is None:
            return self._predict_with_pipeline(checked, explain, top_terms)
        predictions = []
        for text in checked:
            row = self._fast.row(text)
            scores = softmax(self._fast.logits_of(row).tolist())
            best = max(range(len(scores)), key=scores.__getitem__)
            terms = (
                self._terms(row.columns, self._fast.pull(row, best), top_terms) if explain else []
            )
            predictions.append(_prediction(scores, best, terms))
        return predictions

    def _predict_with_pipeline(
        self, texts: list[str], explain: bool, top_terms: int
    ) -> list[Prediction]:
        features = self.pipeline.named_steps["features"].transform(texts).tocsr()
        proba = softmax_rows(self._pipeline_logits(texts, features))
        predictions = []
        for row, scores in enumerate(proba):
            best = int(np.argmax(scores))
            terms = self._top_terms(features[row], best, top_terms) if explain else []
            predictions.append(_prediction(scores, best, terms))
        return predictions

    def _top_terms(self, row: object, label_index: int, limit: int) -> list[Term]:
        """Pipeline fallback: a multinomial logit is unchanged by adding the same amount to
        every class, so a term's pull towards a label is its weight for that label minus its
        mean weight."""
        coef = self.pipeline.named_steps["clf"].coef_[self._column]
        indices = row.indices  # type: ignore[attr-defined]
        values = row.data  # type: ignore[attr-defined]
        pull = values * (coef[label_index, indices] - coef[:, indices].mean(axis=0))
        return self._terms(indices, pull, limit)

    def _terms(self, columns: np.ndarray, pull: np.ndarray, limit: int) -> list[Term]:
        """The features that push hardest towards the chosen label, by their surface text."""
        if len(columns) == 0:
            return []
        names = self._names()
        merged: dict[str, float] = {}
        # Ties are broken by column so every code path lists the same terms in the same order.
        for position in np.lexsort((columns, -np.round(pull, 12))):
            if pull[position] <= 0 or len(merged) >= limit:
                break
            term = display_term(str(names[columns[position]]))
            # Single characters carry weight in the model but explain nothing to a reader.
            if len(term) > 1 and term not in merged:
                merged[term] = round(float(pull[position]), 4)
        return [Term(term=t, weight=w) for t, w in merged.items()]

    def _names(self) -> np.ndarray:
        if self._feature_names is None:
            self._feature_names = self.pipeline.named_steps["features"].get_feature_names_out()
        return self._feature_names
