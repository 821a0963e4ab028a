"""Benchmark inputs built from the corpus: short texts and ~800-word articles.

Articles are made by concatenating corpus long texts of one language until they reach about 800
words (1,600 Chinese characters), which is the length the performance targets speak of.
"""

from __future__ import annotations

import random

from classifier.dataset import Dataset
from classifier.language import approx_words

ARTICLE_WORDS = 800


def short_texts(dataset: Dataset, n: int, seed: int = 0) -> list[str]:
    texts = [e.text for e in dataset.examples if approx_words(e.text) < 15]
    rng = random.Random(seed)
    return [rng.choice(texts) for _ in range(n)]


def articles(dataset: Dataset, n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {}
    for example in dataset.examples:
        if approx_words(example.text) >= 80:
            by_lang.setdefault(example.lang, []).append(example.text)
    langs = sorted(by_lang)
    out = []
    for i in range(n):
        pool = by_lang[langs[i % len(langs)]]
        parts: list[str] = []
        while approx_words("\n\n".join(parts)) < ARTICLE_WORDS:
            parts.append(rng.choice(pool))
        out.append("\n\n".join(parts))
    return out
