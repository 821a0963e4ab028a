import numpy as np
import pytest
from sklearn.base import clone

from classifier.errors import InvalidInputError, NotTrainedError
from classifier.model import ModelParams, StageClassifier, build_pipeline
from classifier.taxonomy import LABELS
from classifier.training import TrainingConfig, train


def test_prediction_has_a_label_confidence_and_five_scores_summing_to_one(tiny_classifier):
    [prediction] = tiny_classifier.predict(["A humanoid robot that walks the factory floor."])
    assert list(prediction.scores) == list(LABELS)
    assert sum(prediction.scores.values()) == pytest.approx(1.0)
    assert prediction.label == max(prediction.scores, key=prediction.scores.get)
    assert prediction.confidence == prediction.scores[prediction.label]


def test_tiny_model_tells_clear_cases_apart(tiny_classifier):
    texts = [
        "Robot vacuum that steers around cables on the floor.",
        "Speech-to-text that transcribes call-centre recordings.",
        "AI 代理自己規劃步驟、查資料，最後交出報告。",
        "Stainless steel kettle with a 1.7 litre capacity.",
    ]
    labels = [p.label for p in tiny_classifier.predict(texts)]
    assert labels == ["physical", "perception", "agentic", "none"]


def test_explain_returns_terms_that_favour_the_label(tiny_classifier):
    [prediction] = tiny_classifier.predict(
        ["Humanoid robot unloads boxes from trucks."], explain=True
    )
    assert prediction.terms
    assert all(term.weight > 0 for term in prediction.terms)
    assert len({term.term for term in prediction.terms}) == len(prediction.terms)
    assert any("robot" in term.term for term in prediction.terms)


def test_without_explain_no_terms_are_computed(tiny_classifier):
    [prediction] = tiny_classifier.predict(["Robot"], explain=False)
    assert prediction.terms == []


def test_a_bare_string_is_refused_rather_than_read_as_characters(tiny_classifier):
    with pytest.raises(InvalidInputError, match="single string"):
        tiny_classifier.predict("A robot")


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["ok", "   "], "text 1 is empty"),
        (["ok", 3], "text 1 is int, not a string"),
        (["x" * 11], "text 0 has 11 characters; the limit is 10"),
    ],
)
def test_bad_texts_are_refused_naming_the_item(tiny_classifier, texts, message):
    with pytest.raises(InvalidInputError, match=message):
        tiny_classifier.predict(texts, max_chars=10)


def test_empty_list_gives_empty_list(tiny_classifier):
    assert tiny_classifier.predict([]) == []


def test_unicode_oddities_get_an_answer(tiny_classifier):
    texts = ["🤖🤖🤖", "\x00\x01 robot \u202e", "مرحبا بالروبوت", "ｒｏｂｏｔ　ＡＩ"]
    assert len(tiny_classifier.predict(texts)) == 4


def test_same_seed_and_data_give_identical_scores(tiny_dataset):
    config = TrainingConfig(cv_folds=0, seed=7)
    texts = ["An agent that files expense reports by itself", "自駕車", "a kettle"]
    first = train(tiny_dataset, config).classifier.predict_proba(texts)
    second = train(tiny_dataset, config).classifier.predict_proba(texts)
    assert np.array_equal(first, second)


def test_build_pipeline_is_a_cloneable_estimator():
    pipeline = build_pipeline(ModelParams(C=3.0))
    copy = clone(pipeline)
    assert copy.get_params()["clf__C"] == 3.0


def test_an_unfitted_pipeline_cannot_be_wrapped():
    with pytest.raises(NotTrainedError):
        StageClassifier(build_pipeline(ModelParams()))


def test_model_params_round_trip_through_a_dict():
    params = ModelParams(char_ngram_range=(2, 5), C=4.0)
    assert ModelParams.from_dict(params.to_dict()) == params
