import copy

import numpy as np
import pytest

from classifier.calibration import apply_temperature, fit_temperature, probabilities
from classifier.model import StageClassifier
from classifier.training import TrainingConfig, train


def test_fit_temperature_recovers_the_temperature_that_generated_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=3.0, size=(20_000, 5))
    proba = probabilities(logits, 2.5)
    truth = np.array([rng.choice(5, p=row) for row in proba])
    assert fit_temperature(logits, truth) == pytest.approx(2.5, rel=0.05)


def test_applying_a_temperature_divides_the_logits_and_keeps_every_decision(tiny_classifier):
    texts = ["robot arm picks parcels", "speech to text", "an agent books flights", "a kettle"]
    before = tiny_classifier.decision_function(texts)
    pipeline = copy.deepcopy(tiny_classifier.pipeline)
    apply_temperature(pipeline, 2.0)
    scaled = StageClassifier(pipeline)
    assert np.allclose(scaled.decision_function(texts), before / 2.0)
    assert np.allclose(scaled.predict_proba(texts), probabilities(before, 2.0))
    assert (scaled.predict_proba(texts).argmax(1) == before.argmax(1)).all()


def test_training_with_cross_validation_fits_and_records_a_temperature(tiny_dataset):
    trained = train(tiny_dataset, TrainingConfig(cv_folds=3))
    temperature = trained.notes["temperature"]
    assert 0.05 <= temperature <= 20 and temperature != 1.0
    plain = train(tiny_dataset, TrainingConfig(cv_folds=0)).classifier
    texts = ["robot arm picks parcels", "語音辨識"]
    assert np.allclose(
        trained.classifier.decision_function(texts), plain.decision_function(texts) / temperature
    )


def test_a_word_or_two_never_claims_certainty_and_decisions_do_not_change(
    tiny_classifier, monkeypatch
):
    from classifier import calibration

    texts = ["robot", "speech to text", "agent", "kettle", "The"]
    scaled = tiny_classifier.predict_proba(texts)
    monkeypatch.setattr(calibration, "EVIDENCE_FEATURES", 0)
    plain = tiny_classifier.predict_proba(texts)
    assert (scaled.argmax(axis=1) == plain.argmax(axis=1)).all()
    assert (scaled.max(axis=1) <= plain.max(axis=1) + 1e-12).all()
    assert scaled.max() < 0.9


def test_texts_with_enough_evidence_are_untouched():
    from classifier.calibration import EVIDENCE_FEATURES, evidence_scale

    assert evidence_scale(np.array([0, 1, EVIDENCE_FEATURES, 500])).tolist() == [
        1 / EVIDENCE_FEATURES,
        1 / EVIDENCE_FEATURES,
        1.0,
        1.0,
    ]
