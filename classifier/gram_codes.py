"""Gram counts computed on integer codes: the fast path for long texts.

For an 800-word article, making every n-gram a Python string, counting the strings with
`Counter` and looking each one up in the vocabulary dict costs most of the prediction time.
Here a fitted vocabulary is compiled once, at load time, into integer keys: a word n-gram is
its tokens' numbers in mixed radix, a CJK n-gram its characters' code points at 21 bits each.
A text's grams are then built, looked up (in a hash table) and counted (`np.unique`) as
arrays, with one Python-level step per gram length rather than per gram.

The counts are exactly those of the analyzer's own strings restricted to the vocabulary (a
gram not in the vocabulary is not counted by TfidfVectorizer either); the tests hold the scores
to the scikit-learn pipeline's at 1e-9. `compile_counter` answers None for an analyzer or a
range it cannot encode in an int64, and the caller keeps the string path for that block.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat

import numpy as np

from classifier.features import (
    CJK_RANGES,
    PREFIX_MARK,
    CjkNgrams,
    WordNgrams,
    traditional_to_simplified,
)

CODE_POINT_BITS = 21  # every code point is below 2**21, so three characters fit in an int64
_MAX_KEY = 2**63 - 1
_NO_COLUMN = -1
_EMPTY_SLOT = -1  # no key is negative: codes and token numbers are not
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class GramCounts:
    """A text's vocabulary columns (block-local, ascending) and how often each occurs."""

    columns: np.ndarray
    counts: np.ndarray


EMPTY = GramCounts(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))


class _KeyTable:
    """One gram length's vocabulary: an open-addressing hash table of int64 keys, probed as
    arrays.

    A binary search over the sorted keys (`np.searchsorted`) costs about 50 ns a query on real
    text, mostly mispredicted branches. Here a probe is a multiply, a shift and a gather; the
    table is kept at most a quarter full, so nearly every query is settled by its first probe,
    and the few that collide are probed again, as a shrinking array, up to the longest
    displacement any key has.
    """

    def __init__(self, columns_by_key: dict[int, int]) -> None:
        bits = max(4, (4 * len(columns_by_key)).bit_length())
        self.mask = (1 << bits) - 1
        self.shift = np.uint64(64 - bits)
        keys = [_EMPTY_SLOT] * (self.mask + 1)
        columns = [_NO_COLUMN] * (self.mask + 1)
        given = np.fromiter(columns_by_key, dtype=np.int64, count=len(columns_by_key))
        homes = self._homes(given).tolist()
        self.max_probe = 0
        for key, column, home in zip(columns_by_key, columns_by_key.values(), homes, strict=True):
            slot = home
            while keys[slot] != _EMPTY_SLOT:
                slot = (slot + 1) & self.mask
            keys[slot], columns[slot] = key, column
            self.max_probe = max(self.max_probe, (slot - home) & self.mask)
        self.keys = np.array(keys, dtype=np.int64)
        self.columns = np.array(columns, dtype=np.int64)

    def _homes(self, queries: np.ndarray) -> np.ndarray:
        # Fibonacci hashing: the top bits of the key times 2**64 / golden ratio (wrapping).
        return ((queries.view(np.uint64) * _FIBONACCI) >> self.shift).astype(np.int64)

    def lookup(self, queries: np.ndarray) -> np.ndarray:
        """Columns of the queries that are in the vocabulary; the others are dropped."""
        slots = self._homes(queries)
        found = []
        for _ in range(self.max_probe + 1):
            stored = self.keys[slots]
            hit = stored == queries
            found.append(self.columns[slots[hit]])
            # A query is settled by its key or by an empty slot; the rest try the next slot.
            unsettled = ~hit & (stored != _EMPTY_SLOT)
            if not unsettled.any():
                break
            queries = queries[unsettled]
            slots = (slots[unsettled] + 1) & self.mask
        return np.concatenate(found)


def window_keys(codes: np.ndarray, valid: np.ndarray, n: int, radix: int) -> np.ndarray:
    """The key of every run of `n` consecutive valid codes, in text order."""
    width = len(codes) - n + 1
    if width <= 0:
        return codes[:0]
    keys = codes[:width].copy()
    keep = valid[:width].copy()
    for j in range(1, n):
        keys *= radix
        keys += codes[j : j + width]
        keep &= valid[j : j + width]
    return keys[keep]


def _packed(values: Iterable[int], radix: int) -> int:
    key = 0
    for value in values:
        key = key * radix + value
    return key


def _tally(found: list[np.ndarray]) -> GramCounts:
    columns = np.concatenate(found)
    if len(columns) == 0:
        return EMPTY
    # Sorting a few thousand columns beats a vocabulary-sized bincount, whose fresh array per
    # text is mostly page faults.
    present, counts = np.unique(columns, return_counts=True)
    return GramCounts(present, counts)


class WordCodes:
    """`WordNgrams` counted on token numbers: 1..T for the vocabulary's tokens, 0 for others.

    Every token of every vocabulary n-gram gets a number, so an n-gram with an unnumbered token
    cannot be in the vocabulary and is skipped without being built. Prefix features of numbered
    tokens are a table lookup; those of other tokens (new words) are looked up by string.
    """

    def __init__(self, analyzer: WordNgrams, vocabulary: dict[str, int]) -> None:
        self.low, self.high = analyzer.ngram_range
        self.prefix = analyzer.prefix
        numbers: dict[str, int] = {}
        ngrams: list[tuple[list[str], int]] = []
        self.prefix_columns: dict[str, int] = {}
        for term, column in vocabulary.items():
            if term.startswith(PREFIX_MARK):
                self.prefix_columns[term[len(PREFIX_MARK) :]] = column
                continue
            parts = term.split(" ")
            for part in parts:
                numbers.setdefault(part, len(numbers) + 1)
            ngrams.append((parts, column))
        self.numbers = numbers
        self.radix = len(numbers) + 1
        if self.radix**self.high > _MAX_KEY:
            raise OverflowError("word n-grams too long to pack into an int64")
        by_length: dict[int, dict[int, int]] = {n: {} for n in range(self.low, self.high + 1)}
        for parts, column in ngrams:
            by_length[len(parts)][_packed((numbers[p] for p in parts), self.radix)] = column
        self.tables = {n: _KeyTable(keys) for n, keys in by_length.items()}
        self.prefix_of_number = np.full(self.radix, _NO_COLUMN, dtype=np.int64)
        if self.prefix:
            for token, number in numbers.items():
                if len(token) > self.prefix:
                    column = self.prefix_columns.get(token[: self.prefix], _NO_COLUMN)
                    self.prefix_of_number[number] = column

    def count(self, text: str) -> GramCounts:
        tokens = WordNgrams.tokens(text)
        if not tokens:
            return EMPTY
        codes = np.fromiter(
            map(self.numbers.get, tokens, repeat(0)), dtype=np.int64, count=len(tokens)
        )
        known = codes > 0
        found = [
            table.lookup(window_keys(codes, known, n, self.radix))
            for n, table in self.tables.items()
        ]
        if self.prefix:
            prefixed = self.prefix_of_number[codes[known]]
            found.append(prefixed[prefixed >= 0])
            found.append(self._new_word_prefixes(tokens, np.flatnonzero(~known)))
        return _tally(found)

    def _new_word_prefixes(self, tokens: list[str], positions: np.ndarray) -> np.ndarray:
        size, columns = self.prefix, self.prefix_columns
        hits = [
            column
            for token in map(tokens.__getitem__, positions.tolist())
            if len(token) > size and (column := columns.get(token[:size])) is not None
        ]
        return np.array(hits, dtype=np.int64)


class CjkCodes:
    """`CjkNgrams` counted on code points.

    A text becomes its array of code points (UTF-32), folded through the Traditional to
    Simplified table when the analyzer folds; an n-gram is counted where n consecutive folded
    characters are all CJK, which is exactly an n-gram inside a run that the analyzer's regex
    finds after the same folding.
    """

    def __init__(self, analyzer: CjkNgrams, vocabulary: dict[str, int]) -> None:
        self.low, self.high = analyzer.ngram_range
        if CODE_POINT_BITS * self.high > 63:
            raise OverflowError("character n-grams too long to pack into an int64")
        self.radix = 1 << CODE_POINT_BITS
        by_length: dict[int, dict[int, int]] = {n: {} for n in range(self.low, self.high + 1)}
        for term, column in vocabulary.items():
            by_length[len(term)][_packed(map(ord, term), self.radix)] = column
        self.tables = {n: _KeyTable(keys) for n, keys in by_length.items()}
        self.is_cjk = np.zeros(sys.maxunicode + 1, dtype=bool)
        for first, last in CJK_RANGES:
            self.is_cjk[first : last + 1] = True
        self.fold: np.ndarray | None = None
        if analyzer.fold_scripts:
            fold = np.arange(sys.maxunicode + 1, dtype=np.uint32)
            for traditional, simplified in traditional_to_simplified().items():
                fold[traditional] = ord(simplified)
            self.fold = fold

    def count(self, text: str) -> GramCounts:
        # surrogatepass: a lone surrogate (legal in a Python str) becomes its own code, not CJK.
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if self.fold is not None:
            codes = self.fold[codes]
        cjk = self.is_cjk[codes]
        if not cjk.any():
            return EMPTY
        wide = codes.astype(np.int64)
        found = [
            table.lookup(window_keys(wide, cjk, n, self.radix)) for n, table in self.tables.items()
        ]
        return _tally(found)


def compile_counter(analyzer: object, vocabulary: dict[str, int]) -> WordCodes | CjkCodes | None:
    """The integer-coded counter for a fitted block, or None where only strings will do."""
    try:
        if type(analyzer) is WordNgrams:
            return WordCodes(analyzer, vocabulary)
        if type(analyzer) is CjkNgrams:
            return CjkCodes(analyzer, vocabulary)
    except OverflowError:
        return None
    return None
