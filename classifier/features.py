"""Text normalisation and the features: word n-grams plus character n-grams.

Chinese is written without spaces, so a word tokenizer sees whole clauses as one token, while
character n-grams read Chinese with no segmenter to install. Character n-grams cost most of the
prediction time, though (they are most of the features of every text), so where they come from
is a parameter: `char_mode="cjk"` takes them only from runs of CJK characters and leaves Latin
text to word n-grams plus a short word prefix that catches morphology (robot, robots,
robotics); `char_mode="char_wb"` takes them from every word, as scikit-learn's `char_wb` does.
The trade-off between the two is measured in bench/RESULTS.md.

The analyzers are small classes rather than closures so fitted pipelines pickle by reference,
and the fast inference path (`fastpath.py`) runs exactly the same code on the same input.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.language import CJK_RANGES

_URL = re.compile(r"https?://\S+|www\.\S+")
# Control characters other than tab, newline and carriage return are dropped.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Latin words and numbers of two characters or more; CJK text is left to the character grams.
_WORD = re.compile(r"[a-z0-9][a-z0-9+#]+")
# The character grams come from runs of CJK_RANGES (gram_codes.py reads the same ranges).
_CJK_RUN = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in CJK_RANGES) + "]+")
PREFIX_MARK = "^"
# Full-width ASCII forms and the ideographic space, in nearly every Chinese text, each
# decompose to one ASCII character. Writing that character in first cannot change what NFKC
# gives (NFKC composes the NFKD form, and NFKD makes the same replacement), and it leaves most
# Chinese texts already normalised: a cheap check instead of a full pass over the text.
_ASCII_FORM = {
    chr(c): unicodedata.normalize("NFKD", chr(c)) for c in (*range(0xFF01, 0xFF5F), 0x3000)
}
_FULL_WIDTH = re.compile("[" + "".join(map(re.escape, _ASCII_FORM)) + "]")


def normalise(text: str) -> str:
    """Fold the differences that carry no meaning for the stage of a product.

    NFKC turns full-width Latin letters and digits, common in Chinese text, into ASCII; case is
    folded; links are reduced to a marker; control characters and runs of whitespace become one
    space.
    """
    text = _nfkc(text).lower()
    text = _URL.sub(" urltoken ", text)
    text = _CONTROL.sub("", text)
    # split() and the regex \s agree on what whitespace is (every code point was checked), and
    # split/join is several times faster on long texts than substituting every run.
    return " ".join(text.split())


def _nfkc(text: str) -> str:
    if unicodedata.is_normalized("NFKC", text):
        return text
    text = _FULL_WIDTH.sub(lambda match: _ASCII_FORM[match.group()], text)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


class WordNgrams:
    """Latin word n-grams, plus `^prefix` tokens of longer words when `prefix` > 0."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), prefix: int = 0) -> None:
        self.ngram_range = tuple(ngram_range)
        self.prefix = prefix

    @staticmethod
    def tokens(text: str) -> list[str]:
        return _WORD.findall(text)

    def analyze_normalised(self, text: str) -> list[str]:
        tokens = self.tokens(text)
        low, high = self.ngram_range
        grams = list(tokens) if low == 1 else []
        for n in range(max(2, low), high + 1):
            grams.extend(map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False)))
        if self.prefix:
            size = self.prefix
            grams.extend(PREFIX_MARK + t[:size] for t in tokens if len(t) > size)
        return grams

    def __call__(self, text: str) -> list[str]:
        return self.analyze_normalised(normalise(text))

    def __repr__(self) -> str:
        return f"WordNgrams(ngram_range={self.ngram_range}, prefix={self.prefix})"


@cache
def traditional_to_simplified() -> dict[int, str]:
    """Character table from OpenCC's dictionary (Traditional -> Simplified, one character to
    one), read once, on first use, for `str.translate`."""
    source = resources.files("opencc").joinpath("dictionary/TSCharacters.txt")
    table: dict[int, str] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        candidates = simplified.split()
        if len(traditional) == 1 and candidates and len(candidates[0]) == 1:
            table[ord(traditional)] = candidates[0]
    return table


class CjkNgrams:
    """Character n-grams inside runs of CJK characters only.

    With `fold_scripts`, Traditional characters are read as their Simplified forms first, so a
    word learnt from Taiwanese text is recognised in mainland text and the other way round
    (bench/FEATURES.md has the measurement).
    """

    # Models pickled before folding existed carry no such attribute: this default says they
    # never fold, wherever the attribute is read.
    fold_scripts = False

    def __init__(self, ngram_range: tuple[int, int] = (1, 3), fold_scripts: bool = False) -> None:
        self.ngram_range = tuple(ngram_range)
        self.fold_scripts = fold_scripts

    def analyze_normalised(self, text: str) -> list[str]:
        low, high = self.ngram_range
        grams: list[str] = []
        if self.fold_scripts:
            text = text.translate(traditional_to_simplified())
        for run in _CJK_RUN.findall(text):
            size = len(run)
            for n in range(low, min(high, size) + 1):
                if n == 1:
                    grams.extend(run)
                else:
                    grams.extend([run[i : i + n] for i in range(size - n + 1)])
        return grams

    def __call__(self, text: str) -> list[str]:
        return self.analyze_normalised(normalise(text))

    def __repr__(self) -> str:
        return f"CjkNgrams(ngram_range={self.ngram_range}, fold_scripts={self.fold_scripts})"


class CharWbNgrams:
    """Character n-grams of every space-padded word, as scikit-learn's `char_wb` makes them.

    A padded word no longer than n is emitted once, whole, and longer n are skipped for it.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 4)) -> None:
        self.ngram_range = tuple(ngram_range)

    def analyze_normalised(self, text: str) -> list[str]:
        low, high = self.ngram_range
        grams: list[str] = []
        for word in text.split():
            padded = f" {word} "
            size = len(padded)
            for n in range(low, high + 1):
                if size <= n:
                    grams.append(padded)
                    break
                grams.extend([padded[i : i + n] for i in range(size - n + 1)])
        return grams

    def __call__(self, text: str) -> list[str]:
        return self.analyze_normalised(normalise(text))

    def __repr__(self) -> str:
        return f"CharWbNgrams(ngram_range={self.ngram_range})"


def _vectorizer(analyzer: object, min_df: int, max_features: int | None, sublinear: bool):
    return TfidfVectorizer(
        analyzer=analyzer,
        lowercase=False,
        min_df=min_df,
        max_features=max_features,
        sublinear_tf=sublinear,
        dtype=np.float64,
    )


def build_features(
    word_ngram_range: tuple[int, int],
    char_ngram_range: tuple[int, int],
    min_df: int,
    max_features: int | None,
    sublinear_tf: bool,
    char_mode: str = "cjk",
    word_prefix: int = 0,
    fold_scripts: bool = False,
) -> FeatureUnion:
    if char_mode == "cjk":
        chars: object = CjkNgrams(char_ngram_range, fold_scripts)
    else:
        chars = CharWbNgrams(char_ngram_range)
    return FeatureUnion(
        [
            (
                "word",
                _vectorizer(
                    WordNgrams(word_ngram_range, word_prefix), min_df, max_features, sublinear_tf
                ),
            ),
            ("char", _vectorizer(chars, min_df, max_features, sublinear_tf)),
        ]
    )


def display_term(feature_name: str) -> str:
    """'char__ robo' -> 'robo', 'word__^robot' -> 'robot': a feature's text, for explanations."""
    _, _, term = feature_name.partition("__")
    return term.strip().removeprefix(PREFIX_MARK)
