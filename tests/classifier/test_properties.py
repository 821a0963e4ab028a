"""Arbitrary Unicode into the classifier and the tagger: an answer or a clear error, never an
exception escaping."""

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.batch.readers import InputSpec
from classifier.batch.tagging import InProcess, TagOptions, tag_file
from classifier.errors import InvalidInputError
from classifier.taxonomy import LABELS

# Letters of every script, CJK, emoji, RTL and combining marks, controls and NUL, and lone
# surrogates (which JSON can carry through \\u escapes).
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(["\x00", "\u202e", "\u0301", "🤖", "機", "人", "\ud800", "\udfff", "\n"]),
    ),
    max_size=400,
)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(ANY_TEXT)
def test_classifier_answers_or_refuses_clearly(tiny_classifier, text):
    try:
        [prediction] = tiny_classifier.predict([text], explain=True)
    except InvalidInputError as exc:
        assert "empty" in exc.message
        assert not text.strip()
        return
    assert prediction.label in LABELS
    assert abs(sum(prediction.scores.values()) - 1.0) < 1e-9


def test_a_one_megabyte_text_is_classified(tiny_classifier):
    text = ("Humanoid robot unloads boxes from trucks. 人形機器人搬運零件。 " * 20_000)[:1_000_000]
    [prediction] = tiny_classifier.predict([text])
    assert prediction.label == "physical"


@SETTINGS
@given(st.lists(ANY_TEXT, min_size=1, max_size=8))
def test_tagger_writes_one_readable_line_per_record(tiny_classifier, texts):
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.jsonl"
        # ensure_ascii keeps lone surrogates as \\u escapes, as a real producer would send them
        source.write_text(
            "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)),
            encoding="utf-8",
        )
        output = Path(tmp) / "out.jsonl"
        summary = tag_file(
            InputSpec(source),
            output,
            InProcess(tiny_classifier, True),
            "v",
            TagOptions(paragraphs=True),
        )
        lines = output.read_text(encoding="utf-8").split("\n")[:-1]  # JSONL: "\n" only
        rows = [json.loads(line) for line in lines]
    assert [r["id"] for r in rows] == list(range(len(texts)))
    assert [r["text"] for r in rows] == texts
    assert summary.records == len(texts) == summary.tagged + summary.errors
    for row in rows:
        assert ("error" in row) != ("label" in row)


@SETTINGS
@given(st.binary(max_size=300))
def test_tagger_survives_arbitrary_bytes(tiny_classifier, data):
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.jsonl"
        source.write_bytes(data)
        output = Path(tmp) / "out.jsonl"
        summary = tag_file(InputSpec(source), output, InProcess(tiny_classifier, False), "v")
        lines = output.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == summary.records
