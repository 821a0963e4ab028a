"""The fast inference path: a fitted pipeline compiled into plain lookups.

`Pipeline.predict_proba` pays about a millisecond per call before it reads the text (parameter
validation, FeatureUnion bookkeeping, sparse matrix construction and stacking). Here the same
arithmetic runs directly: normalise once, count each block's grams, apply sublinear tf, idf and
the block's L2 norm, then one small dense product with the coefficients.

Grams are counted two ways, by text length. A short text (a tagline, a blurb) has a few dozen
grams, and plain Python beats numpy's per-call cost: the block's analyzer (the very object the
pipeline was fitted with) makes the strings, `Counter` counts them, the vectorizer's own
vocabulary dict finds their columns. A long text has thousands, and the integer-coded counters
of `gram_codes.py` count them as arrays. Both give the pipeline's scores to within
floating-point rounding, which the tests check at 1e-9 on either side of the switch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from math import exp, log, sqrt

import numpy as np
from sklearn.pipeline import Pipeline

from classifier.calibration import evidence_factor
from classifier.features import normalise
from classifier.gram_codes import CjkCodes, WordCodes, compile_counter

# Characters of normalised text from which the integer-coded counters beat strings (measured in
# bench/RESULTS.md, "Where the fast path switches"); below it a text has too few grams to pay
# for numpy's per-call cost.
LONG_TEXT = 160


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax; plain numpy, since scipy's wrapper costs more than the maths here."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def softmax(logits: Sequence[float]) -> list[float]:
    """One row's softmax in plain floats: five numbers are quicker without numpy."""
    top = max(logits)
    shifted = [exp(x - top) for x in logits]
    total = sum(shifted)
    return [x / total for x in shifted]


@dataclass(frozen=True)
class _Block:
    analyzer: object
    vocabulary: dict[str, int]
    offset: int
    idf: np.ndarray
    idf_values: list[float]  # the same weights as Python floats, for the short-text path
    sublinear: bool
    l2: bool
    codes: WordCodes | CjkCodes | None  # the integer-coded counter, where one exists


@dataclass(frozen=True)
class SparseRow:
    """One text's non-zero features: global column indices and their tf-idf values."""

    columns: np.ndarray
    values: np.ndarray


class NoFastPathError(Exception):
    """The pipeline uses a step the compiled path does not reproduce; use scikit-learn's."""


class FastScorer:
    def __init__(self, pipeline: Pipeline, label_columns: Sequence[int]) -> None:
        union = pipeline.named_steps["features"]
        blocks = []
        offset = 0
        for _name, vectorizer in union.transformer_list:
            analyzer = vectorizer.analyzer
            if not hasattr(analyzer, "analyze_normalised"):
                raise NoFastPathError(f"no fast path for analyzer {analyzer!r}")
            if vectorizer.norm not in ("l2", None) or not vectorizer.use_idf:
                raise NoFastPathError("the fast path supports l2-normalised tf-idf only")
            blocks.append(
                _Block(
                    analyzer=analyzer,
                    vocabulary=vectorizer.vocabulary_,
                    offset=offset,
                    idf=vectorizer.idf_,
                    idf_values=vectorizer.idf_.tolist(),
                    sublinear=vectorizer.sublinear_tf,
                    l2=vectorizer.norm == "l2",
                    codes=compile_counter(analyzer, vectorizer.vocabulary_),
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
        if len(clean) < LONG_TEXT:
            return self.short_row(clean)
        return self.long_row(clean)

    def long_row(self, clean: str) -> SparseRow:
        """The row of a normalised text, grams counted on integer codes where a block can."""
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for block in self._blocks:
            if block.codes is not None:
                counts = block.codes.count(clean)
                index, tf = counts.columns, counts.counts.astype(np.float64)
            else:
                index, tf = self._string_counts(block, clean)
            if len(index):
                columns.append(index + block.offset)
                values.append(self._weigh(block, index, tf))
        if not columns:
            return SparseRow(np.empty(0, dtype=np.int64), np.empty(0))
        return SparseRow(np.concatenate(columns), np.concatenate(values))

    def short_row(self, clean: str) -> SparseRow:
        """The row of a normalised text, in plain Python: a short text has a handful of
        features, and plain floats beat numpy's per-call cost."""
        columns: list[int] = []
        values: list[float] = []
        for block in self._blocks:
            counts = Counter(block.analyzer.analyze_normalised(clean))  # type: ignore[attr-defined]
            find = block.vocabulary.get
            found = [(i, n) for gram, n in counts.items() if (i := find(gram)) is not None]
            if not found:
                continue
            idf = block.idf_values
            if block.sublinear:
                weights = [(log(n) + 1.0) * idf[i] for i, n in found]
            else:
                weights = [n * idf[i] for i, n in found]
            if block.l2:
                norm = sqrt(sum(w * w for w in weights))
                if norm > 0:
                    weights = [w / norm for w in weights]
            offset = block.offset
            columns.extend(i + offset for i, _ in found)
            values.extend(weights)
        return SparseRow(np.array(columns, dtype=np.int64), np.array(values, dtype=np.float64))

    @staticmethod
    def _string_counts(block: _Block, clean: str) -> tuple[np.ndarray, np.ndarray]:
        """A long text in a block with no integer-coded counter: count strings, then arrays."""
        counts = Counter(block.analyzer.analyze_normalised(clean))  # type: ignore[attr-defined]
        # map() with a default keeps the per-gram lookup loop in C.
        found = np.fromiter(
            map(block.vocabulary.get, counts, repeat(-1)), dtype=np.int64, count=len(counts)
        )
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        known = found >= 0
        return found[known], tf[known]

    @staticmethod
    def _weigh(block: _Block, index: np.ndarray, tf: np.ndarray) -> np.ndarray:
        if block.sublinear:
            tf = np.log(tf) + 1.0
        weight = tf * block.idf[index]
        if block.l2:
            norm = np.sqrt(np.dot(weight, weight))
            if norm > 0:
                weight /= norm
        return weight

    def logits_of(self, row: SparseRow) -> np.ndarray:
        raw = row.values @ self._coef[row.columns] + self._intercept
        factor = evidence_factor(len(row.columns))
        return raw if factor == 1.0 else raw * factor

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
