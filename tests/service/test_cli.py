import json
import subprocess
import sys
from pathlib import Path

import pytest

from classifier.taxonomy import LABELS
from service.cli import main
from tests.conftest import write_jsonl


@pytest.fixture()
def dirs(tmp_path, tiny_data_dir):
    return [
        "--models-dir",
        str(tmp_path / "models"),
        "--data-dir",
        str(tiny_data_dir),
        "--db",
        str(tmp_path / "ai-stage.db"),
    ]


def test_train_prints_the_evaluation_and_promotes(dirs, capsys):
    assert main([*dirs, "train", "--folds", "3"]) == 0
    out = capsys.readouterr().out
    assert "grouped 3-fold cross-validation: 50 examples" in out
    assert "holdout, candidate: 17 examples" in out
    assert "gate: no current model" in out
    assert "published and promoted model" in out


def test_train_without_promote_keeps_the_current_model(dirs, capsys):
    assert main([*dirs, "train", "--folds", "0"]) == 0
    capsys.readouterr()
    assert main([*dirs, "train", "--folds", "0", "--no-promote", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)["version"]
    assert main([*dirs, "models", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == 2
    assert [m["version"] for m in listed if m["current"]] != [second]


def test_classify_trains_the_default_model_first_and_says_so(dirs, capsys):
    assert main([*dirs, "classify", "--json", "Robot vacuum that avoids cables", "語音辨識"]) == 0
    captured = capsys.readouterr()
    assert "training the default model" in captured.err and captured.err.count("\n") == 1
    results = json.loads(captured.out)
    assert [r["text"] for r in results] == ["Robot vacuum that avoids cables", "語音辨識"]
    for result in results:
        assert result["label"] in LABELS
        assert sum(result["scores"].values()) == pytest.approx(1.0)
        assert result["model_version"]


def test_classify_prints_a_table_with_terms(dirs, capsys):
    assert main([*dirs, "classify", "--explain", "Humanoid robot unloads trucks"]) == 0
    out = capsys.readouterr().out
    assert "physical" in out and "Humanoid robot unloads trucks" in out


def test_labels_in_both_languages(dirs, capsys):
    assert main([*dirs, "labels"]) == 0
    assert "Perception AI" in capsys.readouterr().out
    assert main([*dirs, "labels", "--lang", "zh-Hant"]) == 0
    assert "感知 AI" in capsys.readouterr().out
    assert main([*dirs, "labels", "--json"]) == 0
    assert [s["id"] for s in json.loads(capsys.readouterr().out)["stages"]] == list(LABELS)


def test_models_promote_and_rollback(dirs, capsys):
    main([*dirs, "train", "--folds", "0"])
    main([*dirs, "train", "--folds", "0"])
    capsys.readouterr()
    main([*dirs, "models", "list", "--json"])
    first, second = (m["version"] for m in json.loads(capsys.readouterr().out))
    assert main([*dirs, "models", "promote", first]) == 0
    assert f"current model is now {first}" in capsys.readouterr().out
    assert main([*dirs, "models", "rollback"]) == 0
    assert f"current model is now {second}" in capsys.readouterr().out


def test_tag_a_jsonl_file_in_english_and_chinese(dirs, tmp_path, capsys):
    source = write_jsonl(
        tmp_path / "news.jsonl",
        [
            {"id": "1", "text": "Self-driving trucks start hauling freight"},
            {"id": "2", "text": "生成式 AI 寫作助手"},
        ],
    )
    output = tmp_path / "tagged.jsonl"
    assert main([*dirs, "tag", str(source), "-o", str(output), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["records"] == summary["tagged"] == 2
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["1", "2"] and all(r["label"] in LABELS for r in rows)


def test_errors_are_one_readable_line_and_exit_2(dirs, capsys):
    assert main([*dirs, "models", "promote", "../../etc"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: '../../etc' is not a model version") and err.count("\n") == 1
    assert main([*dirs, "classify", "   "]) == 2
    assert capsys.readouterr().err.strip().endswith("text 0 is empty")


def test_training_on_a_broken_file_lists_problems_and_publishes_nothing(dirs, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "robots"}\n', encoding="utf-8")
    assert main([*dirs, "train", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: unknown label 'robots'" in err
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").glob("2*"))


def test_usage_error_exits_2(capsys):
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_check_data_reports_counts_and_fails_below_targets(dirs, tiny_data_dir, capsys):
    assert main([*dirs, "check-data", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == 50 and not report["exact_duplicates"]
    assert any("target is at least 8000" in s for s in report["shortfalls"])


@pytest.mark.e2e
def test_console_script_runs_as_a_user_would(tmp_path, tiny_data_dir):
    script = Path(sys.executable).parent / "ai-stage"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "service"]
    result = subprocess.run(
        [
            *command,
            "--models-dir",
            str(tmp_path / "m"),
            "--data-dir",
            str(tiny_data_dir),
            "classify",
            "--json",
            "An agent that books flights for you on its own",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [answer] = json.loads(result.stdout)
    assert answer["label"] in LABELS


def shuffled_rows() -> list[dict]:
    """The tiny corpus with every label moved one stage along: a model that must lose."""
    from tests.conftest import tiny_rows

    order = list(LABELS)
    rows = tiny_rows()
    for row in rows:
        row["label"] = order[(order.index(row["label"]) + 1) % len(order)]
    return rows


def test_train_rejects_a_worse_candidate_and_keeps_the_current_model(dirs, tmp_path, capsys):
    assert main([*dirs, "train", "--folds", "0"]) == 0
    capsys.readouterr()
    main([*dirs, "models", "list", "--json"])
    [before] = json.loads(capsys.readouterr().out)
    bad = write_jsonl(tmp_path / "shuffled.jsonl", shuffled_rows())
    assert main([*dirs, "train", "--folds", "0", "--no-base", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "candidate rejected" in out and "below the current" in out
    main([*dirs, "models", "list", "--json"])
    assert json.loads(capsys.readouterr().out) == [before]


def test_force_publishes_a_rejected_candidate_and_records_it(dirs, tmp_path, capsys):
    assert main([*dirs, "train", "--folds", "0"]) == 0
    bad = write_jsonl(tmp_path / "shuffled.jsonl", shuffled_rows())
    capsys.readouterr()
    assert main([*dirs, "train", "--folds", "0", "--no-base", "--force", "--json", str(bad)]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["state"] == "succeeded" and outcome["gate"]["passed"] is False
    from classifier.registry import Registry

    manifest = Registry(tmp_path / "models").manifest(outcome["version"])
    assert manifest.notes["forced"] is True


def test_feedback_export_writes_training_jsonl(dirs, tmp_path, capsys):
    from classifier.dataset import load_dataset
    from service.store import Store

    store = Store(tmp_path / "ai-stage.db")
    store.add_feedback("Lawn robot that mows around flower beds", "physical", "perception")
    store.add_feedback("Lawn robot that mows around flower beds", "physical")
    store.add_feedback("Invoice OCR for accountants", "perception", note="reads, does not write")
    output = tmp_path / "corrections.jsonl"
    assert main([*dirs, "feedback", "export", "-o", str(output)]) == 0
    assert "wrote 2 corrections" in capsys.readouterr().out
    exported = load_dataset([output], min_per_label=0)
    assert sorted(exported.labels) == ["perception", "physical"]
    assert {e.source for e in exported.examples} == {"feedback"}


def test_evaluate_on_a_small_labeled_file_scores_it(dirs, tmp_path, capsys):
    """Scoring needs no minimum per label: a dozen hard cases are worth a report."""
    assert main([*dirs, "train", "--folds", "0"]) == 0
    capsys.readouterr()
    few = write_jsonl(
        tmp_path / "few.jsonl",
        [
            {"text": "Humanoid robot that stacks boxes in a warehouse.", "label": "physical"},
            {"text": "Speech-to-text for call centres.", "label": "perception"},
            {"text": "A JSON parser for Rust.", "label": "none"},
        ],
    )
    code = main([*dirs, "evaluate", "--folds", "0", "--no-holdout", "--on", str(few), "--json"])
    assert code == 0
    [report] = json.loads(capsys.readouterr().out)
    assert report["n"] == 3 and report["method"].startswith("few.jsonl")
