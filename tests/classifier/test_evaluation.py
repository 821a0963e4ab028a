import json

import numpy as np
import pytest

from classifier.evaluation import (
    EvaluationReport,
    brier_score,
    cross_validate,
    evaluate_model,
    expected_calibration_error,
    format_report,
)
from classifier.model import ModelParams
from classifier.taxonomy import LABELS


@pytest.fixture(scope="module")
def cv_report(tiny_dataset):
    return cross_validate(tiny_dataset, ModelParams(), folds=5, seed=0)


def test_cross_validation_scores_every_example_once(cv_report, tiny_dataset):
    assert cv_report.n == len(tiny_dataset)
    assert sum(map(sum, cv_report.confusion)) == len(tiny_dataset)
    assert [cv_report.per_label[label].support for label in LABELS] == [10] * 5


def test_report_has_per_label_and_per_language_scores(cv_report):
    assert set(cv_report.per_label) == set(LABELS)
    assert set(cv_report.per_language) == {"en", "zh-Hant", "zh-Hans"}
    assert 0.0 <= cv_report.macro_f1 <= 1.0
    assert 0.0 <= cv_report.ece <= 1.0


def test_misclassified_examples_are_listed_with_their_prediction(cv_report):
    wrong = sum(cv_report.confusion[i][j] for i in range(5) for j in range(5) if i != j)
    assert len(cv_report.misclassified) == wrong
    for m in cv_report.misclassified:
        assert m.label != m.predicted


def test_report_round_trips_through_json(cv_report):
    raw = json.loads(json.dumps(cv_report.to_dict()))
    assert EvaluationReport.from_dict(raw) == cv_report


def test_report_prints_as_a_table(cv_report):
    text = format_report(cv_report)
    assert "macro-F1" in text and "confusion" in text
    for label in LABELS:
        assert label in text


def test_fitted_model_is_perfect_on_its_own_training_data(tiny_classifier, tiny_dataset):
    report = evaluate_model(tiny_classifier, tiny_dataset, "training data")
    assert report.macro_f1 == 1.0


def test_grouped_folds_never_split_a_group(tiny_dataset):
    from sklearn.model_selection import StratifiedGroupKFold

    groups = np.array(tiny_dataset.groups)
    splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)
    for train, test in splitter.split(tiny_dataset.texts, tiny_dataset.labels, groups):
        assert not set(groups[train]) & set(groups[test])


def test_brier_and_calibration_error_on_known_values():
    proba = np.array([[1.0, 0, 0, 0, 0], [0.5, 0.5, 0, 0, 0]])
    truth = np.array([0, 1])
    assert brier_score(proba, truth) == pytest.approx((0 + 0.5) / 2)
    # bin (0.9,1]: conf 1, acc 1; bin (0.4,0.5]: conf .5, acc 0 (argmax picks label 0)
    assert expected_calibration_error(proba, truth) == pytest.approx(0.25)
