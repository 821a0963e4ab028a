"""The fast inference path: a fitted pipeline compiled into plain lookups.

`Pipeline.predict_proba` pays about a millisecond per call before it reads the text (parameter
validation, FeatureUnion bookkeeping, sparse matrix construction and stacking). Here the same
arithmetic runs directly: normalise once, run each block's analyzer (the very objects the
pipeline was fitted with), count grams with `Counter`, look each up in the vectorizer's own
vocabulary dict (shared, not copied), apply sublinear tf, idf and the block's L2 norm, then one
small dense product with the coefficients. Scores equal the pipeline's to within floating-point
rounding, which the tests check at 1e-9.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from math import log, sqrt

import numpy as np
from sklearn.pipeline import Pipeline

from classifier.features import normalise

SMALL_ROW = 48  # distinct grams in a block below which plain Python arithmetic is faster


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax; plain numpy, since scipy's wrapper costs more than the maths here."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class _Block:
    analyzer: object
    vocabulary: dict[str, int]
    offset: int
    idf: np.ndarray
    sublinear: bool
    l2: bool


@dataclass(frozen=True)
class SparseRow:
    """One text's non-zero features: global column indices and their tf-idf values."""

    columns: np.ndarray
    values: np.ndarray


class FastScorer:
    def __init__(self, pipeline: Pipeline, label_columns: Sequence[int]) -> None:
        union = pipeline.named_steps["features"]
        blocks = []
        offset = 0
        for _name, vectorizer in union.transformer_list:
            analyzer = vectorizer.analyzer
            if not hasattr(analyzer, "analyze_normalised"):
                raise TypeError(f"no fast path for analyzer {analyzer!r}")
            if vectorizer.norm not in ("l2", None) or not vectorizer.use_idf:
                raise TypeError("the fast path supports l2-normalised tf-idf only")
            blocks.append(
                _Block(
                    analyzer=analyzer,
                    vocabulary=vectorizer.vocabulary_,
                    offset=offset,
                    idf=vectorizer.idf_,
                    sublinear=vectorizer.sublinear_tf,
                    l2=vectorizer.norm == "l2",
                )
            )
            offset += len(vectorizer.vocabulary_)
        linear = pipeline.named_steps["clf"]
        self._blocks = tuple(blocks)
        # (n_features, n_labels) so that one text's rows are a contiguous gather.
        self._coef = np.ascontiguousarray(linear.coef_[list(label_columns)].T)
        self._intercept = linear.intercept_[list(label_columns)].copy()

    def row(self, text: str) -> SparseRow:
        clean = normalise(text)
        columns: list = []
        values: list = []
        for block in self._blocks:
            counts = Counter(block.analyzer.analyze_normalised(clean))  # type: ignore[attr-defined]
            # map() with a default keeps the per-gram lookup loop in C.
            found = np.fromiter(
                map(block.vocabulary.get, counts, repeat(-1)), dtype=np.int64, count=len(counts)
            )
            if len(found) <= SMALL_ROW:
                self._small_block(block, found, counts, columns, values)
            else:
                self._large_block(block, found, counts, columns, values)
        if not columns:
            return SparseRow(np.empty(0, dtype=np.int64), np.empty(0))
        return SparseRow(np.concatenate(columns), np.concatenate(values))

    @staticmethod
    def _small_block(block: _Block, found: np.ndarray, counts: Counter, columns, values) -> None:
        """A short text has a handful of features: plain floats beat numpy's per-call cost."""
        pairs = [(int(i), n) for i, n in zip(found, counts.values(), strict=True) if i >= 0]
        if not pairs:
            return
        idf = block.idf
        if block.sublinear:
            weights = [(log(n) + 1.0) * idf[i] for i, n in pairs]
        else:
            weights = [n * idf[i] for i, n in pairs]
        if block.l2:
            norm = sqrt(sum(w * w for w in weights))
            if norm > 0:
                weights = [w / norm for w in weights]
        columns.append(np.array([i + block.offset for i, _ in pairs], dtype=np.int64))
        values.append(np.array(weights, dtype=np.float64))

    @staticmethod
    def _large_block(block: _Block, found: np.ndarray, counts: Counter, columns, values) -> None:
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        known = found >= 0
        if not known.any():
            return
        index, tf = found[known], tf[known]
        if block.sublinear:
            tf = np.log(tf) + 1.0
        weight = tf * block.idf[index]
        if block.l2:
            norm = np.sqrt(np.dot(weight, weight))
            if norm > 0:
                weight /= norm
        columns.append(index + block.offset)
        values.append(weight)

    def logits_of(self, row: SparseRow) -> np.ndarray:
        return row.values @ self._coef[row.columns] + self._intercept

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), len(self._intercept)))
        for i, text in enumerate(texts):
            out[i] = self.logits_of(self.row(text))
        return out

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return softmax_rows(self.decision_function(texts))

    def pull(self, row: SparseRow, label_index: int) -> np.ndarray:
        """How much each of the row's features raises `label_index` over the other labels."""
        weights = self._coef[row.columns]
        return row.values * (weights[:, label_index] - weights.mean(axis=1))
