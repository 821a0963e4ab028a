from classifier.corpus_checks import CorpusTargets, check_corpus, near_duplicates
from classifier.dataset import Dataset, LabeledExample


def example(text, label="none", lang="en", n=1):
    return LabeledExample(text, label, lang, f"id{n}", "", f"g{n}", f"f.jsonl:{n}")


def test_near_duplicates_are_found_and_distinct_texts_are_not():
    data = Dataset(
        (
            example("An autonomous agent that books your flights and hotels end to end.", n=1),
            example("An autonomous agent that books your flights and hotels, end to end!", n=2),
            example("Speech recognition for noisy factory floors.", n=3),
        )
    )
    pairs = near_duplicates(data)
    assert [(a, b) for a, b, _ in pairs] == [("f.jsonl:1", "f.jsonl:2")]


def test_exact_duplicates_ignore_case_and_spacing():
    data = Dataset((example("Robot  arm", n=1), example("robot arm", n=2)))
    report = check_corpus(data, targets=None)
    assert report.exact_duplicates == [("f.jsonl:1", "f.jsonl:2")]
    assert not report.ok


def test_counts_by_label_language_and_length():
    data = Dataset(
        (example("short one", "agentic", "zh-Hans", 1), example("x " * 40, "agentic", "en", 2))
    )
    counts = check_corpus(data, targets=None).counts
    assert counts["agentic"]["zh-Hans"]["tagline"] == 1
    assert counts["agentic"]["en"]["blurb"] == 1


def test_shortfalls_name_the_target():
    data = Dataset(tuple(example(f"text number {i} about kettles", n=i) for i in range(10)))
    report = check_corpus(data, CorpusTargets(min_total=20, min_per_label=1))
    assert "10 examples; the target is at least 20" in report.shortfalls
    assert any("label 'agentic' has 0" in s for s in report.shortfalls)


def test_a_cue_word_used_by_one_label_only_fails_the_check():
    robots = [example(f"robot number {i} stacks boxes", "physical", n=i) for i in range(20)]
    report = check_corpus(Dataset(tuple(robots)), CorpusTargets(min_total=1, min_per_label=0))
    [row] = [c for c in report.cues if c.cue == "robot"]
    assert row.texts == 20 and row.top_label == "physical" and not row.ok
    assert any("cue 'robot'" in p for p in report.problems) and not report.ok


def test_a_cue_word_with_counterexamples_passes():
    texts = [example(f"robot number {i} stacks boxes", "physical", n=i) for i in range(17)]
    texts += [example(f"a novel about a robot, chapter {i}", "none", n=100 + i) for i in range(3)]
    report = check_corpus(Dataset(tuple(texts)), CorpusTargets(min_total=1, min_per_label=0))
    [row] = [c for c in report.cues if c.cue == "robot"]
    assert row.ok and row.other_share == 0.15 and row.none_texts == 3


def test_bot_is_a_word_of_its_own_not_part_of_robot_or_bottle():
    texts = [example("robot", "physical", n=1), example("bottle opener", "none", n=2)]
    report = check_corpus(Dataset(tuple(texts)), CorpusTargets(min_total=1, min_per_label=0))
    assert [c.texts for c in report.cues if c.cue == "bot"] == [0]


def test_wording_from_the_guidelines_fails_the_check():
    data = Dataset((example("Its core function is to move boxes in the physical world."),))
    report = check_corpus(data, targets=None)
    assert {phrase for _, phrase in report.guideline_wording} == {
        "core function",
        "in the physical world",
    }
    assert not report.ok


def test_more_than_half_a_percent_of_disclaimers_fails_the_check():
    texts = [example(f"Contract tool {i}. It doesn't draft anything.", n=i) for i in range(2)]
    texts += [example(f"kettle model {i} boils water", n=10 + i) for i in range(98)]
    report = check_corpus(Dataset(tuple(texts)), targets=None)
    assert len(report.disclaimers) == 2 and not report.ok


def test_a_corpus_text_copied_into_an_evaluation_set_fails_the_check():
    corpus = Dataset((example("A drone that inspects wind turbine blades for cracks.", n=1),))
    challenge = Dataset((example("A drone that inspects wind turbine blades for cracks!", n=2),))
    report = check_corpus(corpus, targets=None, evaluation=challenge)
    assert report.shared_with_evaluation and not report.ok
