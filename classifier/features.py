"""Text normalisation and the feature union: word n-grams plus character n-grams.

Chinese is written without spaces, so a word tokenizer alone sees whole clauses as one token;
character n-grams inside word boundaries read Chinese and catch English morphology (robot,
robotic, robotics) at the same time, with no segmenter to install. Word n-grams keep English
phrases ("pull request", "text to speech") that character grams only see in pieces.

Everything here is a plain module-level function or a stock scikit-learn object, so fitted
pipelines pickle by reference and stay small.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

_SPACES = re.compile(r"\s+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")

# Latin words and numbers of two characters or more; CJK text is left to the character grams.
WORD_TOKEN_PATTERN = r"[a-z0-9][a-z0-9+#]+"


def normalise(text: str) -> str:
    """Fold the differences that carry no meaning for the stage of a product.

    NFKC turns full-width Latin letters and digits, common in Chinese text, into ASCII; case is
    folded; links are reduced to a marker; control characters and runs of whitespace become one
    space.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" urltoken ", text)
    text = text.translate(_CONTROL)
    return _SPACES.sub(" ", text).strip()


def build_features(
    word_ngram_range: tuple[int, int],
    char_ngram_range: tuple[int, int],
    min_df: int,
    max_features: int | None,
    sublinear_tf: bool,
) -> FeatureUnion:
    word = TfidfVectorizer(
        preprocessor=normalise,
        lowercase=False,
        token_pattern=WORD_TOKEN_PATTERN,
        ngram_range=word_ngram_range,
        min_df=min_df,
        max_features=max_features,
        sublinear_tf=sublinear_tf,
        dtype=np.float64,
    )
    char = TfidfVectorizer(
        preprocessor=normalise,
        lowercase=False,
        analyzer="char_wb",
        ngram_range=char_ngram_range,
        min_df=min_df,
        max_features=max_features,
        sublinear_tf=sublinear_tf,
        dtype=np.float64,
    )
    return FeatureUnion([("word", word), ("char", char)])


def display_term(feature_name: str) -> str:
    """'char__ robo' -> 'robo': the surface text of a feature, for explanations."""
    _, _, term = feature_name.partition("__")
    return term.strip()
