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
