"""Temperature scaling: one number that makes the stated confidence match the hit rate.

A regularised linear model over many n-grams tends to be under-confident: its probabilities are
squeezed towards uniform. Dividing the logits by a temperature T fitted on out-of-fold logits
(minimum negative log-likelihood) fixes that without changing any decision. Because the logits
of a linear model are linear in its weights, dividing `coef_` and `intercept_` by T bakes the
calibration into the stock scikit-learn estimator: nothing extra runs at prediction time.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.pipeline import Pipeline

MIN_TEMPERATURE, MAX_TEMPERATURE = 0.05, 20.0
# Evidence: tf-idf rows are l2-normalised, so a text with one known feature gives that feature
# the whole weight and a single word ("robot", even "the") can produce logits as large as a
# paragraph's. A text with fewer known features than this has its logits scaled down in
# proportion, so no word or two claims certainty; the decision itself never changes (a text with
# no known feature is scaled as if it had one, so the intercepts still break the tie). Texts of
# about six words or more are untouched. Chosen with grouped cross-validation
# (bench/MODEL_SELECTION.md).
EVIDENCE_FEATURES = 15


def evidence_factor(known_features: int) -> float:
    """`evidence_scale` for one text, in plain Python: the fast path's per-text cost."""
    if EVIDENCE_FEATURES <= 0 or known_features >= EVIDENCE_FEATURES:
        return 1.0
    return max(known_features, 1) / EVIDENCE_FEATURES


def evidence_scale(known_features: np.ndarray) -> np.ndarray:
    """Per text, the factor its logits are multiplied by: 1 for texts with enough evidence."""
    if EVIDENCE_FEATURES <= 0:
        return np.ones(np.shape(known_features))
    known = np.maximum(np.asarray(known_features, dtype=float), 1.0)
    return np.minimum(1.0, known / EVIDENCE_FEATURES)


def probabilities(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    return softmax(logits / temperature, axis=1)


def fit_temperature(logits: np.ndarray, truth: np.ndarray) -> float:
    """The T in [0.05, 20] that minimises the negative log-likelihood of `truth`."""
    rows = np.arange(len(truth))

    def nll(log_t: float) -> float:
        return float(-log_softmax(logits / np.exp(log_t), axis=1)[rows, truth].mean())

    result = minimize_scalar(
        nll, bounds=(np.log(MIN_TEMPERATURE), np.log(MAX_TEMPERATURE)), method="bounded"
    )
    return float(np.exp(result.x))


def apply_temperature(pipeline: Pipeline, temperature: float) -> None:
    """Scale the fitted linear model in place so predict_proba returns calibrated scores."""
    linear = pipeline.named_steps["clf"]
    linear.coef_ = linear.coef_ / temperature
    linear.intercept_ = linear.intercept_ / temperature
