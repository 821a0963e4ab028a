import gzip
import json

import pytest

from classifier.errors import InvalidInputError
from classifier.tagging import tag_jsonl
from classifier.taxonomy import LABELS


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_tagging_keeps_every_field_and_adds_the_stage(tmp_path, tiny_classifier):
    source = tmp_path / "in.jsonl"
    rows = [
        {"id": "a", "text": "A humanoid robot that stacks boxes", "outlet": "Wire"},
        {"id": "b", "text": "人形機器人在工廠搬運零件", "tags": ["x"]},
    ]
    source.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    summary = tag_jsonl(source, tmp_path / "out.jsonl", tiny_classifier, chunk_size=1)
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in out] == ["a", "b"]
    assert out[0]["outlet"] == "Wire" and out[1]["tags"] == ["x"]
    for row in out:
        assert row["label"] in LABELS
        assert set(row["scores"]) == set(LABELS)
        assert row["model_version"] == tiny_classifier.version
    assert summary.records == summary.tagged == 2 and summary.errors == 0


def test_bad_records_are_kept_with_an_error_and_counted(tmp_path, tiny_classifier):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "text": "robot arm"}\n'
        "not json\n"
        '{"id": 3}\n'
        '{"id": 4, "text": "  "}\n'
        "[1, 2]\n"
        '{"id": 6, "text": "speech to text"}\n',
        encoding="utf-8",
    )
    summary = tag_jsonl(source, tmp_path / "out.jsonl", tiny_classifier)
    out = read_jsonl(tmp_path / "out.jsonl")
    assert len(out) == 6
    errors = [r.get("error") for r in out]
    assert errors[0] is None and errors[5] is None
    assert errors[1].startswith("line 2: invalid JSON") and out[1]["raw"] == "not json"
    assert errors[2] == "line 3: field 'text' is missing"
    assert errors[3] == "line 4: field 'text' is empty"
    assert errors[4] == "line 5: not a JSON object"
    assert (summary.records, summary.tagged, summary.errors) == (6, 2, 4)


def test_gzipped_input_and_another_text_field(tmp_path, tiny_classifier):
    source = tmp_path / "in.jsonl.gz"
    with gzip.open(source, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"body": "self-driving truck"}) + "\n")
    tag_jsonl(source, tmp_path / "out.jsonl", tiny_classifier, text_field="body")
    [row] = read_jsonl(tmp_path / "out.jsonl")
    assert row["label"] in LABELS and "error" not in row


def test_missing_input_is_an_input_error_and_no_output_is_left(tmp_path, tiny_classifier):
    with pytest.raises(InvalidInputError, match="does not exist"):
        tag_jsonl(tmp_path / "nope.jsonl", tmp_path / "out.jsonl", tiny_classifier)
    assert not list(tmp_path.iterdir())


def test_a_failing_run_leaves_no_partial_output(tmp_path, tiny_classifier, monkeypatch):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "robot"}\n' * 10, encoding="utf-8")

    def boom(_count):
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        tag_jsonl(source, tmp_path / "out.jsonl", tiny_classifier, chunk_size=3, on_chunk=boom)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]
