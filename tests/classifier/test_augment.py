"""Cue-free training copies (classifier/augment.py)."""

from classifier.augment import training_rows, with_cue_free_copies, without_cues
from classifier.model import ModelParams


def test_cue_words_are_blanked_in_both_scripts_and_the_rest_is_kept():
    assert without_cues("An agent that books trips").split() == ["An", "that", "books", "trips"]
    assert without_cues("扫地机器人自动避开障碍").split() == ["扫地", "避开障碍"]


def test_only_texts_with_a_cue_get_a_copy_and_labels_follow_their_texts():
    texts = ["Robot arm that sorts parcels", "Stainless steel kettle", "bot"]
    labels = ["physical", "none", "none"]
    out_texts, out_labels = with_cue_free_copies(texts, labels)
    assert out_texts[:3] == texts and out_labels[:3] == labels
    assert [t.split() for t in out_texts[3:]] == [["arm", "that", "sorts", "parcels"]]
    assert out_labels[3:] == ["physical"]


def test_training_rows_follow_the_parameter():
    texts, labels = ["Robot arm that sorts parcels"], ["physical"]
    assert len(training_rows(texts, labels, ModelParams(cue_free_copies=True))[0]) == 2
    assert len(training_rows(texts, labels, ModelParams(cue_free_copies=False))[0]) == 1


def test_the_fitted_pipeline_never_sees_copies_at_prediction_time(tiny_dataset):
    from classifier.training import TrainingConfig, fit

    model = fit(tiny_dataset, TrainingConfig(params=ModelParams(cue_free_copies=True)))
    text = "An agent that books your trip end to end."
    assert model.predict_proba([text]).shape == (1, 5)
    assert abs(model.predict_proba([text]) - model.pipeline_predict_proba([text])).max() < 1e-9
