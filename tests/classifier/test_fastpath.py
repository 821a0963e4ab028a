"""The fast path must give the scikit-learn pipeline's scores, to 1e-9, on any text."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.fastpath import LONG_TEXT
from classifier.features import normalise
from classifier.model import ModelParams, StageClassifier
from classifier.training import TrainingConfig, fit
from tests.conftest import TINY

CORPUS = [text for texts in TINY.values() for text in texts]

TEXTS = [
    "Humanoid robot that unloads boxes from trucks in warehouses.",
    "An autonomous coding agent takes a ticket, edits files, runs tests and opens a PR.",
    "語音辨識引擎，把台語與國語會議錄音轉成逐字稿。",
    "基于深度学习的车牌识别模块，识别率高达百分之九十九。",
    "OpenAI 推出的 Operator 可以自動操作瀏覽器，幫你訂機票。",
    "用 ChatGPT 寫文案，再用 Midjourney 生成 KV 圖 ✍️🤖",
    "ＦＵＬＬ－ＷＩＤＴＨ Ｒｏｂｏｔ　ＡＲＭ and https://example.com/robots?x=1",
    "a",
    "🤖",
    "\x00\x07 tab\tnew\nline \u202e rtl",
    "robot " * 400,
]


def _article(texts: list[str], size: int) -> str:
    """Corpus texts joined until the normalised text has at least `size` characters."""
    parts: list[str] = []
    while len(normalise(" ".join(parts))) < size:
        parts.append(texts[len(parts) % len(texts)])
    return " ".join(parts)


ENGLISH = [t for t in CORPUS if t.isascii()]
CHINESE = [t for t in CORPUS if not t.isascii()]
# Long texts take the integer-coded path; these are on both sides of the switch and far past it.
LONG_TEXTS = [
    _article(ENGLISH, 4000),
    _article(CHINESE, 3000),
    _article(CORPUS, 5000),
    _article(CHINESE, 2000).replace("机", "機").replace("识", "識"),
    # A prefix of a normalised text plus a letter is still normalised, and exactly this long.
    *(normalise(_article(CORPUS[::-1], LONG_TEXT))[: LONG_TEXT + d - 1] + "s" for d in (-1, 0, 1)),
]


@pytest.fixture(
    scope="module",
    params=[
        ModelParams(),
        ModelParams(char_ngram_range=(1, 3), word_prefix=0, fold_scripts=False, min_df=1),
        ModelParams(char_mode="char_wb", char_ngram_range=(1, 4), word_prefix=0),
    ],
    ids=["default", "cjk-1-3-unfolded", "char_wb"],
)
def model(request, tiny_dataset) -> StageClassifier:
    config = TrainingConfig(params=request.param, cv_folds=0)
    return fit(tiny_dataset, config, temperature=1.7)


def test_the_fast_path_is_used(model):
    assert model.has_fast_path


def test_fast_path_scores_equal_the_pipeline_on_english_chinese_and_mixed(model):
    fast = model.predict_proba(TEXTS)
    reference = model.pipeline_predict_proba(TEXTS)
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-9)


def test_the_switch_texts_straddle_it():
    assert sorted(len(normalise(t)) for t in LONG_TEXTS[-3:]) == [
        LONG_TEXT - 1,
        LONG_TEXT,
        LONG_TEXT + 1,
    ]


def test_fast_path_scores_equal_the_pipeline_on_long_texts(model):
    fast = model.predict_proba(LONG_TEXTS)
    reference = model.pipeline_predict_proba(LONG_TEXTS)
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-9)


def test_both_ways_of_counting_give_the_same_logits(model):
    scorer = model._fast
    for text in TEXTS + LONG_TEXTS:
        clean = normalise(text)
        np.testing.assert_allclose(
            scorer.logits_of(scorer.short_row(clean)),
            scorer.logits_of(scorer.long_row(clean)),
            rtol=0,
            atol=1e-9,
        )


def test_predict_uses_the_same_scores(model):
    texts = TEXTS + LONG_TEXTS
    reference = model.pipeline_predict_proba(texts)
    for prediction, row in zip(model.predict(texts, explain=True), reference, strict=True):
        np.testing.assert_allclose(list(prediction.scores.values()), row, rtol=0, atol=1e-9)


def test_explanations_match_the_pipeline_fallback(model):
    fallback = StageClassifier.__new__(StageClassifier)
    fallback.__dict__.update(model.__dict__)
    fallback._fast = None
    for fast, slow in zip(
        model.predict(TEXTS[:6], explain=True),
        fallback.predict(TEXTS[:6], explain=True),
        strict=True,
    ):
        assert [t.term for t in fast.terms] == [t.term for t in slow.terms]
        np.testing.assert_allclose(
            [t.weight for t in fast.terms], [t.weight for t in slow.terms], atol=1e-4
        )


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=300).filter(str.strip))
def test_fast_path_equals_the_pipeline_on_arbitrary_unicode(model, text):
    np.testing.assert_allclose(
        model.predict_proba([text]), model.pipeline_predict_proba([text]), rtol=0, atol=1e-9
    )


# Long texts mostly made of words and characters the model knows, with arbitrary Unicode in
# between: the integer-coded counters must agree with the strings on all of it.
long_texts = (
    st.lists(st.one_of(st.sampled_from(CORPUS), st.text(max_size=40)), min_size=8, max_size=40)
    .map(" ".join)
    .filter(str.strip)
)


@settings(max_examples=60, deadline=None)
@given(long_texts)
def test_fast_path_equals_the_pipeline_on_long_mixed_texts(model, text):
    np.testing.assert_allclose(
        model.predict_proba([text]), model.pipeline_predict_proba([text]), rtol=0, atol=1e-9
    )
