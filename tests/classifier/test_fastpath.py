"""The fast path must give the scikit-learn pipeline's scores, to 1e-9, on any text."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.model import ModelParams, StageClassifier
from classifier.training import TrainingConfig, fit

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


@pytest.fixture(scope="module", params=["cjk", "char_wb"])
def model(request, tiny_dataset) -> StageClassifier:
    params = ModelParams(char_mode=request.param, word_prefix=5 if request.param == "cjk" else 0)
    return fit(tiny_dataset, TrainingConfig(params=params, cv_folds=0), temperature=1.7)


def test_the_fast_path_is_used(model):
    assert model.has_fast_path


def test_fast_path_scores_equal_the_pipeline_on_english_chinese_and_mixed(model):
    fast = model.predict_proba(TEXTS)
    reference = model.pipeline_predict_proba(TEXTS)
    np.testing.assert_allclose(fast, reference, rtol=0, atol=1e-9)


def test_predict_uses_the_same_scores(model):
    reference = model.pipeline_predict_proba(TEXTS)
    for prediction, row in zip(model.predict(TEXTS, explain=True), reference, strict=True):
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
@given(st.text(min_size=1, max_size=300))
def test_fast_path_equals_the_pipeline_on_arbitrary_unicode(model, text):
    np.testing.assert_allclose(
        model.predict_proba([text]), model.pipeline_predict_proba([text]), rtol=0, atol=1e-9
    )
