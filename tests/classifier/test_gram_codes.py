"""The integer-coded counters must count exactly what the string analyzers count."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.features import CharWbNgrams, CjkNgrams, WordNgrams, normalise
from classifier.gram_codes import _KeyTable, compile_counter
from tests.conftest import TINY

CORPUS = [text for texts in TINY.values() for text in texts]

ANALYZERS = [
    WordNgrams((1, 2), prefix=5),
    WordNgrams((1, 3)),
    WordNgrams((2, 2), prefix=4),
    CjkNgrams((1, 2), fold_scripts=True),
    CjkNgrams((1, 3)),
    CjkNgrams((2, 3), fold_scripts=True),
]


def vocabulary_of(analyzer, texts: list[str]) -> dict[str, int]:
    """Every gram of every other text, so that real texts hit and miss the vocabulary."""
    grams = sorted({g for text in texts[::2] for g in analyzer(text)})
    return {gram: column for column, gram in enumerate(grams)}


def string_counts(analyzer, vocabulary: dict[str, int], text: str) -> dict[int, int]:
    counts = Counter(analyzer.analyze_normalised(normalise(text)))
    return {vocabulary[g]: n for g, n in counts.items() if g in vocabulary}


def coded_counts(counter, text: str) -> dict[int, int]:
    found = counter.count(normalise(text))
    assert list(found.columns) == sorted(found.columns), "columns come out ascending"
    return dict(zip(found.columns.tolist(), found.counts.tolist(), strict=True))


# Corpus fragments (words and characters the vocabulary knows) mixed with arbitrary Unicode.
texts = st.lists(
    st.one_of(st.sampled_from(CORPUS), st.text(max_size=30)), min_size=1, max_size=20
).map(" ".join)


@pytest.mark.parametrize("analyzer", ANALYZERS, ids=repr)
@settings(max_examples=60, deadline=None)
@given(text=texts)
def test_coded_counts_equal_the_analyzers_counts(analyzer, text):
    vocabulary = vocabulary_of(analyzer, CORPUS)
    counter = compile_counter(analyzer, vocabulary)
    assert counter is not None
    assert coded_counts(counter, text) == string_counts(analyzer, vocabulary, text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "robot",
        "機器人 and 机器人 mixed, with 台語 and 語音辨識 again 語音辨識",
        "a lone surrogate \ud800 between 機\udfff器",
        "兩個 CJK 範圍相接：㐀丁豈ぁアがキ한글",
        " ".join(CORPUS),
    ],
)
def test_edge_texts(text):
    for analyzer in ANALYZERS:
        vocabulary = vocabulary_of(analyzer, CORPUS)
        counter = compile_counter(analyzer, vocabulary)
        assert coded_counts(counter, text) == string_counts(analyzer, vocabulary, text)


def test_character_grams_over_every_word_keep_the_string_path():
    analyzer = CharWbNgrams((1, 4))
    assert compile_counter(analyzer, vocabulary_of(analyzer, CORPUS)) is None


def test_keys_that_would_overflow_an_int64_keep_the_string_path():
    analyzer = WordNgrams((1, 12))
    vocabulary = vocabulary_of(analyzer, CORPUS)
    assert compile_counter(analyzer, vocabulary) is None
    assert compile_counter(CjkNgrams((1, 4)), {"機": 0}) is None


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(st.integers(0, 2**63 - 1), st.integers(0, 10**6), max_size=3000),
    st.lists(st.integers(0, 2**63 - 1), max_size=200),
)
def test_the_key_table_finds_exactly_the_stored_keys(columns_by_key, others):
    table = _KeyTable(columns_by_key)
    queries = [*columns_by_key, *others, *columns_by_key][::-1]
    found = table.lookup(np.array(queries, dtype=np.int64))
    expected = [columns_by_key[q] for q in queries if q in columns_by_key]
    assert sorted(found.tolist()) == sorted(expected)


def test_colliding_keys_are_found_by_probing():
    # 5,000 random keys in 32,768 slots: by the birthday bound, hundreds share a home slot.
    random_keys = np.random.default_rng(0).integers(0, 2**62, 5000).tolist()
    keys = {key: column for column, key in enumerate(random_keys)}
    table = _KeyTable(keys)
    assert table.max_probe > 0
    found = table.lookup(np.array([*keys, 2**62 + 7, 2**62 + 8], dtype=np.int64))
    assert sorted(found.tolist()) == sorted(keys.values())
