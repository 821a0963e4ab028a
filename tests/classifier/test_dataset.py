import json
from pathlib import Path

import pytest

from classifier.dataset import load_dataset, parse_examples
from classifier.errors import DatasetError
from tests.conftest import tiny_rows, write_jsonl


def problems_of(path: Path, **kwargs) -> list[str]:
    with pytest.raises(DatasetError) as caught:
        load_dataset([path], **kwargs)
    return [str(p) for p in caught.value.problems]


def test_valid_file_loads_with_counts(tiny_dataset):
    assert len(tiny_dataset) == 50
    assert set(tiny_dataset.label_counts().values()) == {10}


def test_missing_lang_is_inferred_per_script(tiny_dataset):
    langs = {e.text[:6]: e.lang for e in tiny_dataset.examples}
    assert langs["Speech"] == "en"
    assert langs["語音辨識引擎"] == "zh-Hant"
    assert langs["基于深度学习"] == "zh-Hans"


def test_every_problem_is_reported_with_file_and_line(tmp_path):
    rows = tiny_rows()
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines[2] = '{"text": "broken json", "label": '
    lines[4] = json.dumps({"text": "fine text", "label": "robotics"})
    lines[6] = json.dumps({"text": "   ", "label": "none"})
    lines[8] = json.dumps({"text": 42, "label": "none"})
    lines[9] = json.dumps({"text": "a text", "label": "none", "lable": "x"})
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems_of(path)
    assert any(p.startswith(f"{path}:3: invalid JSON") for p in found)
    assert any(p.startswith(f"{path}:5: unknown label 'robotics'") for p in found)
    assert any(p.startswith(f"{path}:7: 'text' is empty") for p in found)
    assert any(p.startswith(f"{path}:9: 'text' must be a string, got int") for p in found)
    assert any(p.startswith(f"{path}:10: unknown field(s) ['lable']") for p in found)
    assert len(found) == 5


def test_same_text_with_conflicting_labels_names_both_lines(tmp_path):
    rows = tiny_rows()
    rows.append({"text": rows[0]["text"].upper(), "label": "none"})
    path = write_jsonl(tmp_path / "conflict.jsonl", rows)
    found = problems_of(path)
    assert found == [f"{path}:51: same text as {path}:1 but labeled 'none', not 'perception'"]


def test_too_few_examples_of_a_label_is_refused(tmp_path):
    rows = [r for r in tiny_rows() if r["label"] != "physical" or r["id"].endswith("-0")]
    path = write_jsonl(tmp_path / "thin.jsonl", rows)
    assert problems_of(path) == ["dataset: label 'physical' has 1 examples; at least 5 are needed"]


def test_repeated_ids_are_refused(tmp_path):
    rows = tiny_rows()
    rows[1]["id"] = rows[0]["id"]
    path = write_jsonl(tmp_path / "ids.jsonl", rows)
    assert problems_of(path) == [f"{path}:2: id 'perception-0' is already used at {path}:1"]


def test_missing_file_and_non_utf8_file_are_problems(tmp_path):
    binary = tmp_path / "latin1.jsonl"
    binary.write_bytes('{"text": "caf\xe9", "label": "none"}\n'.encode("latin-1"))
    with pytest.raises(DatasetError) as caught:
        load_dataset([tmp_path / "nope.jsonl", binary], min_per_label=0)
    messages = [str(p) for p in caught.value.problems]
    assert f"{tmp_path / 'nope.jsonl'}: no such file or folder" in messages
    assert f"{binary}: not UTF-8 text (byte 13)" in messages


def test_csv_with_header_is_read_and_wrong_columns_are_refused():
    good, problems = parse_examples(
        "text,label\nA robot arm that sorts parcels,physical\n", "x.csv", "csv"
    )
    assert problems == [] and good[0].label == "physical" and good[0].lang == "en"
    _, problems = parse_examples("body,stage\nsomething,none\n", "y.csv", "csv")
    assert [str(p) for p in problems] == [
        "y.csv:1: CSV header lacks column(s) ['text', 'label']; has ['body', 'stage']"
    ]


def test_examples_without_group_are_their_own_group():
    examples, _ = parse_examples(
        '{"text": "a", "label": "none"}\n{"text": "b", "label": "none"}\n', "f.jsonl"
    )
    assert examples[0].group != examples[1].group


def test_error_message_lists_problems_and_counts_the_rest(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text("not json\n" * 30, encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        load_dataset([path], min_per_label=0)
    assert caught.value.message.startswith("training data refused, 30 problems:")
    assert "... and 10 more" in caught.value.message


def test_line_separators_inside_json_strings_do_not_split_a_line():
    content = '{"text": "robot\u2028arm\u0085x", "label": "physical"}\n'
    examples, problems = parse_examples(content, "f.jsonl")
    assert problems == [] and len(examples) == 1 and "\u2028" in examples[0].text
