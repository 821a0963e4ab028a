"""Checks on a whole corpus that go beyond one file being readable.

Besides counts and duplicates: the cue-word balance, wording taken from the labeling guidelines,
label-pinning disclaimers (`cue_words`), and overlap with the sets used to measure the model,
which must never share a text with what it trains on.

Near-duplicates are found as character 5-gram sets with Jaccard similarity above a threshold. The
sets are hashed into a sparse binary matrix, so all pairwise intersections come from one sparse
product instead of a Python double loop.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from classifier.cue_words import (
    MAX_DISCLAIMER_SHARE,
    MIN_OTHER_SHARE,
    CueRow,
    cue_balance,
    guideline_phrases_in,
    has_disclaimer,
)
from classifier.dataset import Dataset, text_key
from classifier.language import LANGS, length_bucket
from classifier.taxonomy import LABELS

BUCKETS = ("tagline", "blurb", "long")
NEAR_DUPLICATE_JACCARD = 0.8


@dataclass(frozen=True)
class CorpusTargets:
    """What the shipped corpus promises (corpus v2: 8,000+ texts, balanced cue words).

    Length shares were 25% taglines and 15% long texts for the first corpus; v2 added terse
    developer one-liners (mostly blurb-length by character count) and social posts, so the
    floors are 20% and 12%: enough of both ends that neither is a surprise to the model.
    """

    min_total: int = 8000
    min_per_label: int = 1400
    min_chinese_share: float = 0.35
    min_share_per_bucket: dict[str, float] = field(
        default_factory=lambda: {"tagline": 0.20, "blurb": 0.45, "long": 0.12}
    )
    check_cues: bool = True


@dataclass
class CorpusReport:
    total: int
    counts: dict[str, dict[str, dict[str, int]]]  # label -> lang -> bucket -> n
    exact_duplicates: list[tuple[str, str]]
    near_duplicates: list[tuple[str, str, float]]
    shortfalls: list[str]
    cues: list[CueRow] = field(default_factory=list)
    guideline_wording: list[tuple[str, str]] = field(default_factory=list)  # (origin, phrase)
    disclaimers: list[str] = field(default_factory=list)  # origins
    shared_with_evaluation: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def disclaimer_share(self) -> float:
        return len(self.disclaimers) / self.total if self.total else 0.0

    @property
    def problems(self) -> list[str]:
        found = list(self.shortfalls)
        found += [
            f"cue {c.cue!r}: only {c.other_share:.1%} of its {c.texts} texts are not "
            f"{c.top_label!r} (at least {MIN_OTHER_SHARE:.0%} must be)"
            for c in self.cues
            if not c.ok
        ]
        found += [
            f"{origin}: guideline wording {phrase!r}" for origin, phrase in self.guideline_wording
        ]
        if self.disclaimer_share > MAX_DISCLAIMER_SHARE:
            found.append(
                f"{len(self.disclaimers)} texts ({self.disclaimer_share:.2%}) pin their label "
                f"with a disclaimer; at most {MAX_DISCLAIMER_SHARE:.1%} may"
            )
        found += [
            f"{a} is also in an evaluation set as {b} (Jaccard {j})"
            for a, b, j in self.shared_with_evaluation
        ]
        return found

    @property
    def ok(self) -> bool:
        return not (self.exact_duplicates or self.near_duplicates or self.problems)

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "total": self.total,
            "counts": self.counts,
            "exact_duplicates": self.exact_duplicates,
            "near_duplicates": self.near_duplicates,
            "shortfalls": self.shortfalls,
            "cues": [c.__dict__ | {"ok": c.ok} for c in self.cues],
            "guideline_wording": self.guideline_wording,
            "disclaimers": self.disclaimers,
            "shared_with_evaluation": self.shared_with_evaluation,
            "problems": self.problems,
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


def _grams(texts: list[str]):  # type: ignore[no-untyped-def]
    hasher = HashingVectorizer(
        analyzer="char",
        ngram_range=(5, 5),
        n_features=2**22,
        binary=True,
        norm=None,
        alternate_sign=False,
        preprocessor=text_key,
    )
    grams = hasher.transform(texts).astype(np.float32).tocsr()
    return grams, np.asarray(grams.sum(axis=1)).ravel()


def _similar_pairs(
    left: Dataset, right: Dataset, threshold: float, same: bool
) -> list[tuple[str, str, float]]:
    a, a_sizes = _grams(left.texts)
    b, b_sizes = (a, a_sizes) if same else _grams(right.texts)
    shared = (a @ b.T).tocoo()
    pairs = []
    for i, j, inter in zip(shared.row, shared.col, shared.data, strict=True):
        if same and i >= j:
            continue
        union = a_sizes[i] + b_sizes[j] - inter
        jaccard = float(inter / union) if union else 1.0
        if jaccard > threshold:
            pairs.append((left.examples[i].origin, right.examples[j].origin, round(jaccard, 3)))
    return sorted(pairs)


def near_duplicates(
    dataset: Dataset, threshold: float = NEAR_DUPLICATE_JACCARD
) -> list[tuple[str, str, float]]:
    if len(dataset) < 2:
        return []
    return _similar_pairs(dataset, dataset, threshold, same=True)


def shared_texts(
    corpus: Dataset, evaluation: Dataset, threshold: float = NEAR_DUPLICATE_JACCARD
) -> list[tuple[str, str, float]]:
    """Corpus texts that are (near) copies of texts in an evaluation set."""
    if not len(corpus) or not len(evaluation):
        return []
    return _similar_pairs(corpus, evaluation, threshold, same=False)


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


def check_corpus(
    dataset: Dataset,
    targets: CorpusTargets | None = None,
    evaluation: Dataset | None = None,
) -> CorpusReport:
    """`targets=None` checks duplicates, wording and counts only; `evaluation` (holdout and
    challenge sets) must share no text with `dataset`."""
    wording = [
        (e.origin, phrase) for e in dataset.examples for phrase in guideline_phrases_in(e.text)
    ]
    return CorpusReport(
        total=len(dataset),
        counts=count_cells(dataset),
        exact_duplicates=exact_duplicates(dataset),
        near_duplicates=near_duplicates(dataset),
        shortfalls=shortfalls(dataset, targets) if targets else [],
        cues=cue_balance(dataset.texts, dataset.labels) if targets and targets.check_cues else [],
        guideline_wording=wording,
        disclaimers=[e.origin for e in dataset.examples if has_disclaimer(e.text)],
        shared_with_evaluation=shared_texts(dataset, evaluation) if evaluation else [],
    )
