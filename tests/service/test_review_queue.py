"""The review queue in the store: queued once, most doubtful first, first answer wins, undo."""

from __future__ import annotations

import threading

import pytest

from classifier.doubt import DoubtRule
from classifier.errors import (
    AlreadyAnsweredError,
    InvalidInputError,
    ReviewItemNotFoundError,
    TaxonomyError,
)
from service.review import CapturePolicy, capture_predictions
from service.review_queue import Candidate, ReviewQueue
from service.store import Store


def candidate(text: str, top: float, second: float, predicted: str = "agentic") -> Candidate:
    rest = (1 - top - second) / 3
    others = [label for label in ("perception", "generative", "physical", "none")]
    scores = {predicted: top, others[0]: second, **dict.fromkeys(others[1:], rest)}
    return Candidate(text, "tag", None, "r1", "v1", predicted, top, top - second, scores)


@pytest.fixture()
def queue(tmp_path) -> ReviewQueue:
    return ReviewQueue(Store(tmp_path / "review.db"))


def test_pending_items_come_most_doubtful_first(queue):
    queue.add(
        [
            candidate("a fairly sure call", 0.58, 0.2),
            candidate("a coin toss", 0.41, 0.40),
            candidate("a close one", 0.45, 0.35),
        ],
        max_pending=100,
    )
    items, total = queue.items("pending")
    assert total == 3
    assert [i.text for i in items] == ["a coin toss", "a close one", "a fairly sure call"]


def test_the_same_text_is_queued_once_even_after_it_was_answered(queue):
    assert queue.add([candidate("Robot arm picks parts.", 0.5, 0.3)], 100) == (1, 0)
    [item], _ = queue.items()
    queue.answer(item.id, "label", "physical")
    # Same text with other spacing and case, from another run: not queued again.
    assert queue.add([candidate("robot  arm picks PARTS.", 0.4, 0.35)], 100) == (0, 0)
    assert queue.items("pending")[1] == 0


def test_past_the_cap_the_least_doubtful_pending_items_are_dropped(queue):
    queue.add([candidate(f"text {i}", 0.55, 0.55 - i / 100) for i in range(1, 6)], 100)
    queued, dropped = queue.add([candidate("the closest call", 0.4, 0.399)], max_pending=3)
    assert (queued, dropped) == (1, 3)
    # A newcomer less doubtful than everything waiting is not kept, and not counted as queued.
    assert queue.add([candidate("a sure thing", 0.59, 0.01)], max_pending=3) == (0, 1)
    items, total = queue.items("pending", limit=10)
    assert total == 3
    assert [i.text for i in items] == ["the closest call", "text 1", "text 2"]


def test_a_label_answer_is_stored_as_a_correction_with_the_models_call(queue):
    queue.add([candidate("Drafts replies to support tickets.", 0.5, 0.4, "agentic")], 100)
    [item], _ = queue.items()
    settled = queue.answer(item.id, "label", "generative")
    assert (settled.status, settled.answer, settled.answer_kind) == ("done", "generative", "label")
    [feedback] = queue.store.all_feedback()
    assert (feedback.text, feedback.label, feedback.predicted) == (
        "Drafts replies to support tickets.",
        "generative",
        "agentic",
    )
    assert settled.feedback_id == feedback.id


def test_not_ai_text_is_a_none_correction_and_skip_stores_nothing(queue):
    queue.add([candidate("Cookie settings: accept all", 0.4, 0.3), candidate("x y", 0.4, 0.2)], 9)
    first, second = queue.items()[0]
    assert queue.answer(first.id, "not_ai_text").answer == "none"
    skipped = queue.answer(second.id, "skip")
    assert (skipped.status, skipped.answer) == ("skipped", None)
    assert [f.label for f in queue.store.all_feedback()] == ["none"]
    stats = queue.stats()
    assert stats.by_status == {"pending": 0, "done": 1, "skipped": 1}
    assert stats.not_ai_text == 1 and stats.by_label["none"] == 1 and stats.corrections == 1


def test_a_second_answer_is_refused_and_the_first_stands(queue):
    queue.add([candidate("Warehouse robot", 0.5, 0.4)], 100)
    [item], _ = queue.items()
    queue.answer(item.id, "label", "physical")
    with pytest.raises(AlreadyAnsweredError, match="already done as physical"):
        queue.answer(item.id, "label", "none")
    with pytest.raises(AlreadyAnsweredError):
        queue.answer(item.id, "skip")
    assert [f.label for f in queue.store.all_feedback()] == ["physical"]
    assert queue.item(item.id).answer == "physical"


def test_undo_puts_the_item_back_and_withdraws_its_correction(queue):
    queue.add([candidate("Speech to text", 0.5, 0.4)], 100)
    [item], _ = queue.items()
    queue.answer(item.id, "label", "perception")
    back = queue.undo(item.id)
    assert (back.status, back.answer, back.feedback_id) == ("pending", None, None)
    assert queue.store.all_feedback() == []
    with pytest.raises(AlreadyAnsweredError, match="nothing to undo"):
        queue.undo(item.id)
    assert queue.answer(item.id, "label", "generative").answer == "generative"


def test_bad_ids_labels_and_answers_are_refused(queue):
    queue.add([candidate("Speech to text", 0.5, 0.4)], 100)
    [item], _ = queue.items()
    with pytest.raises(ReviewItemNotFoundError):
        queue.answer(item.id + 1, "label", "none")
    with pytest.raises(ReviewItemNotFoundError):
        queue.undo(99)
    with pytest.raises(TaxonomyError):
        queue.answer(item.id, "label", "magic")
    with pytest.raises(InvalidInputError, match="label"):
        queue.answer(item.id, "label", None)
    with pytest.raises(InvalidInputError, match="not allowed"):
        queue.answer(item.id, "skip", "none")
    with pytest.raises(InvalidInputError, match="status"):
        queue.items("answered")  # type: ignore[arg-type]
    assert queue.item(item.id).status == "pending" and queue.store.all_feedback() == []


def test_two_reviewers_racing_over_the_same_items_never_both_win(tmp_path):
    """Two threads, each with its own connections, answer the same 40 items at the same time
    with different labels: every item ends with exactly one answer and one correction."""
    queue = ReviewQueue(Store(tmp_path / "race.db"))
    queue.add([candidate(f"text number {i}", 0.5, 0.4) for i in range(40)], 100)
    ids = [item.id for item in queue.items(limit=100)[0]]
    barrier = threading.Barrier(2)
    wins: dict[str, list[int]] = {"physical": [], "none": []}
    refusals: dict[str, int] = {"physical": 0, "none": 0}

    def reviewer(label: str) -> None:
        mine = ReviewQueue(Store(tmp_path / "race.db"))
        barrier.wait()
        for item_id in ids:
            try:
                mine.answer(item_id, "label", label)
                wins[label].append(item_id)
            except AlreadyAnsweredError:
                refusals[label] += 1

    threads = [threading.Thread(target=reviewer, args=(label,)) for label in wins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins["physical"] + wins["none"]) == sorted(ids)
    assert refusals["physical"] == len(wins["none"]) and refusals["none"] == len(wins["physical"])
    feedback = {f.text: f.label for f in queue.store.all_feedback()}
    assert len(feedback) == 40 == len(queue.store.all_feedback())
    for item in queue.items("done", limit=100)[0]:
        assert feedback[item.text] == item.answer
        assert item.id in wins[item.answer]


def test_only_doubtful_predictions_are_captured(queue, tiny_classifier):
    texts = ["Robot arm", "Humanoid robot that unloads boxes from trucks in warehouses."]
    predictions = tiny_classifier.predict(texts)
    # A threshold between the two calls' confidences: exactly the less sure one is doubtful.
    low, high = sorted(p.confidence for p in predictions)
    assert low < high
    rule = DoubtRule(min_confidence=(low + high) / 2, min_margin=0.0)
    expected = [t for t, p in zip(texts, predictions, strict=True) if p.confidence == low]
    tally = capture_predictions(
        queue, CapturePolicy(rule, 100), texts, predictions, tiny_classifier.version
    )
    assert tally.doubtful == tally.queued == len(expected)
    assert sorted(i.text for i in queue.items()[0]) == sorted(expected)


def test_the_doubt_rule_uses_both_the_top_score_and_the_margin():
    rule = DoubtRule(min_confidence=0.6, min_margin=0.3)
    assert rule.is_doubtful({"a": 0.55, "b": 0.45})  # low top score
    assert rule.is_doubtful({"a": 0.62, "b": 0.35, "c": 0.03})  # close runner-up
    assert not rule.is_doubtful({"a": 0.7, "b": 0.2, "c": 0.1})
    with pytest.raises(InvalidInputError, match="min_confidence"):
        DoubtRule(min_confidence=1.5)


def test_texts_too_long_to_be_corrections_are_counted_not_queued(queue, tiny_classifier):
    """A settled item becomes a correction, which AI_STAGE_MAX_TEXT_CHARS caps."""
    texts = ["Robot arm", "Robot arm that sorts parcels by size and weight, all night long."]
    predictions = tiny_classifier.predict(texts)
    policy = CapturePolicy(DoubtRule(min_confidence=1.0), max_pending=100, max_chars=20)
    tally = capture_predictions(queue, policy, texts, predictions, tiny_classifier.version)
    assert (tally.doubtful, tally.queued, tally.too_long) == (2, 1, 1)
    assert [i.text for i in queue.items()[0]] == ["Robot arm"]
    assert "1 not queued (over the text limit)" in tally.summary()
