"""Checks on a whole corpus that go beyond one file being readable.

Near-duplicates are found as character 5-gram sets with Jaccard similarity above a threshold. The
sets are hashed into a sparse binary matrix, so all pairwise intersections come from one sparse
product instead of a Python double loop.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from classifier.dataset import Dataset, text_key
from classifier.language import LANGS, length_bucket
from classifier.taxonomy import LABELS

BUCKETS = ("tagline", "blurb", "long")
NEAR_DUPLICATE_JACCARD = 0.8


@dataclass(frozen=True)
class CorpusTargets:
    """What the shipped corpus promises (issue: training corpus that generalises)."""

    min_total: int = 4000
    min_per_label: int = 700
    min_chinese_share: float = 0.35
    min_share_per_bucket: dict[str, float] = field(
        default_factory=lambda: {"tagline": 0.25, "blurb": 0.45, "long": 0.15}
    )


@dataclass
class CorpusReport:
    total: int
    counts: dict[str, dict[str, dict[str, int]]]  # label -> lang -> bucket -> n
    exact_duplicates: list[tuple[str, str]]
    near_duplicates: list[tuple[str, str, float]]
    shortfalls: list[str]

    @property
    def ok(self) -> bool:
        return not (self.exact_duplicates or self.near_duplicates or self.shortfalls)

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "total": self.total,
            "counts": self.counts,
            "exact_duplicates": self.exact_duplicates,
            "near_duplicates": self.near_duplicates,
            "shortfalls": self.shortfalls,
        }


def count_cells(dataset: Dataset) -> dict[str, dict[str, dict[str, int]]]:
    cells = Counter((e.label, e.lang, length_bucket(e.text)) for e in dataset.examples)
    return {
        label: {lang: {b: cells[(label, lang, b)] for b in BUCKETS} for lang in LANGS}
        for label in LABELS
    }


def exact_duplicates(dataset: Dataset) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    pairs = []
    for example in dataset.examples:
        key = text_key(example.text)
        if key in seen:
            pairs.append((seen[key], example.origin))
        else:
            seen[key] = example.origin
    return pairs


def near_duplicates(
    dataset: Dataset, threshold: float = NEAR_DUPLICATE_JACCARD
) -> list[tuple[str, str, float]]:
    if len(dataset) < 2:
        return []
    hasher = HashingVectorizer(
        analyzer="char",
        ngram_range=(5, 5),
        n_features=2**22,
        binary=True,
        norm=None,
        alternate_sign=False,
        preprocessor=text_key,
    )
    grams = hasher.transform(dataset.texts).astype(np.float32).tocsr()
    sizes = np.asarray(grams.sum(axis=1)).ravel()
    shared = (grams @ grams.T).tocoo()
    pairs = []
    for i, j, inter in zip(shared.row, shared.col, shared.data, strict=True):
        if i >= j:
            continue
        union = sizes[i] + sizes[j] - inter
        jaccard = float(inter / union) if union else 1.0
        if jaccard > threshold:
            pairs.append(
                (dataset.examples[i].origin, dataset.examples[j].origin, round(jaccard, 3))
            )
    return sorted(pairs)


def shortfalls(dataset: Dataset, targets: CorpusTargets) -> list[str]:
    found = []
    total = len(dataset)
    if total < targets.min_total:
        found.append(f"{total} examples; the target is at least {targets.min_total}")
    for label, n in dataset.label_counts().items():
        if n < targets.min_per_label:
            found.append(f"label {label!r} has {n}; the target is at least {targets.min_per_label}")
    chinese = sum(1 for e in dataset.examples if e.lang != "en")
    if total and chinese / total < targets.min_chinese_share:
        found.append(
            f"Chinese share {chinese / total:.1%}; the target is {targets.min_chinese_share:.0%}"
        )
    buckets = Counter(length_bucket(e.text) for e in dataset.examples)
    for bucket, share in targets.min_share_per_bucket.items():
        if total and buckets[bucket] / total < share:
            found.append(f"{bucket} share {buckets[bucket] / total:.1%}; the target is {share:.0%}")
    return found


def check_corpus(dataset: Dataset, targets: CorpusTargets | None = None) -> CorpusReport:
    """`targets=None` checks duplicates and counts only."""
    return CorpusReport(
        total=len(dataset),
        counts=count_cells(dataset),
        exact_duplicates=exact_duplicates(dataset),
        near_duplicates=near_duplicates(dataset),
        shortfalls=shortfalls(dataset, targets) if targets else [],
    )
