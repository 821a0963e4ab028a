"""`ai-stage tag --review`, `ai-stage review` (piped keys and a real terminal), `review export`
and `review stats`; and the loop closing: settled items change the next model's answers."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pexpect
import pytest

from classifier.dataset import load_dataset
from service.cli import main
from service.review_queue import Candidate, ReviewQueue
from service.store import Store
from tests.conftest import write_jsonl
from tests.service.live import ai_stage_command

# What the tiny model gets wrong, with the stage each one belongs to.
TRUTH = {
    "Pick-and-place cell sorts recycled bottles by colour on a conveyor.": "physical",
    "Spreadsheet add-on that drafts pivot tables when you describe them in plain words.": (
        "generative"
    ),
    "Hearing aid that picks out the voice in front of you in a noisy café.": "perception",
    "会议纪要工具，录音结束就出摘要和待办清单。": "generative",
}
KEYS = {"perception": "1", "generative": "2", "agentic": "3", "physical": "4", "none": "5"}


@pytest.fixture()
def dirs(tmp_path, registry, tiny_data_dir) -> list[str]:
    return [
        "--models-dir",
        str(registry.root),
        "--data-dir",
        str(tiny_data_dir),
        "--db",
        str(tmp_path / "ai-stage.db"),
    ]


def queue_of(dirs: list[str]) -> ReviewQueue:
    return ReviewQueue(Store(Path(dirs[dirs.index("--db") + 1])))


def tag_texts(dirs, tmp_path, capsys, *extra: str) -> str:
    articles = write_jsonl(
        tmp_path / "articles.jsonl",
        [{"id": f"a{i}", "text": text} for i, text in enumerate(TRUTH)],
    )
    out = tmp_path / "out.jsonl"
    code = main([*dirs, "tag", str(articles), "-o", str(out), "--review", "--quiet", *extra])
    assert code == 0
    return capsys.readouterr().out


def test_tag_with_review_queues_doubtful_records_and_says_so(dirs, tmp_path, capsys):
    printed = tag_texts(dirs, tmp_path, capsys)
    assert "review: 4 doubtful calls, 4 newly queued" in printed
    items, total = queue_of(dirs).items(limit=10)
    assert total == 4 and {i.source for i in items} == {"tag"}
    assert sorted(i.record_id for i in items) == ["a0", "a1", "a2", "a3"]
    # A second run over the same file queues nothing new.
    assert "4 doubtful calls, 0 newly queued" in tag_texts(dirs, tmp_path, capsys)


def test_a_zero_threshold_and_margin_queue_nothing(dirs, tmp_path, capsys):
    printed = tag_texts(dirs, tmp_path, capsys, "--review-threshold", "0", "--review-margin", "0")
    assert "review: 0 doubtful calls" in printed
    assert queue_of(dirs).items()[1] == 0


def test_a_threshold_out_of_range_is_one_line_and_exit_2(dirs, tmp_path, capsys):
    articles = write_jsonl(tmp_path / "a.jsonl", [{"text": "robot"}])
    code = main(
        [*dirs, "tag", str(articles), "-o", str(tmp_path / "o.jsonl"), "--review",
         "--review-threshold", "1.5"]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: min_confidence must be between 0 and 1, got 1.5"]


def answer_all_by_keys(dirs, monkeypatch, capsys, keys: str) -> str:
    monkeypatch.setattr(sys, "stdin", io.StringIO(keys))
    assert main([*dirs, "review"]) == 0
    return capsys.readouterr().out


def test_review_with_piped_keys_settles_skips_and_undoes(dirs, tmp_path, capsys, monkeypatch):
    tag_texts(dirs, tmp_path, capsys)
    queue = queue_of(dirs)
    order = [i.text for i in queue.items(limit=10)[0]]
    # Answer the first, undo it, answer it again differently, skip the second, "not an AI
    # text" for the third, then quit with one item left.
    keys = KEYS[TRUTH[order[0]]] + "u" + "5" + "s" + "n" + "q"
    printed = answer_all_by_keys(dirs, monkeypatch, capsys, keys)
    assert "answered 2 and skipped 1 in this session (none 2)" in printed
    assert "1 still pending; 2 corrections stored" in printed
    answers = {i.text: (i.status, i.answer_kind) for i in queue.items("done", limit=10)[0]}
    assert answers == {order[0]: ("done", "label"), order[2]: ("done", "not_ai_text")}
    assert [i.text for i in queue.items("skipped")[0]] == [order[1]]
    assert [(f.text, f.label) for f in queue.store.all_feedback()] == [
        (order[0], "none"),
        (order[2], "none"),
    ]


def test_export_writes_settled_items_as_training_data(dirs, tmp_path, capsys, monkeypatch):
    tag_texts(dirs, tmp_path, capsys)
    order = [i.text for i in queue_of(dirs).items(limit=10)[0]]
    answer_all_by_keys(dirs, monkeypatch, capsys, "".join(KEYS[TRUTH[t]] for t in order))
    destination = tmp_path / "exported" / "review.jsonl"
    assert main([*dirs, "review", "export", "-o", str(destination)]) == 0
    assert f"wrote 4 settled review items to {destination}" in capsys.readouterr().out
    exported = load_dataset([destination], min_per_label=0)
    assert {e.text: e.label for e in exported.examples} == TRUTH
    assert main([*dirs, "review", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["by_status"] == {"pending": 0, "done": 4, "skipped": 0}
    assert stats["corrections"] == 4


def test_review_in_a_real_terminal_reads_single_keys(dirs, tmp_path, capsys):
    """Raw keys in a pseudo-terminal, as over SSH or in tmux: no Enter after each answer."""
    tag_texts(dirs, tmp_path, capsys)
    first = queue_of(dirs).items()[0][0]
    command = ai_stage_command()
    child = pexpect.spawn(
        command[0],
        [*command[1:], *dirs, "review"],
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    try:
        child.expect("4 pending")
        child.expect("quit")
        child.send("4")
        child.expect("3 pending · 1 settled this session")
        child.expect("quit")
        child.send("u")
        child.expect("back in the queue")
        child.send("2")
        child.expect("quit")
        child.send("q")
        child.expect("answered 1 and skipped 0 in this session")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    settled = queue_of(dirs).item(first.id)
    assert (settled.status, settled.answer) == ("done", "generative")


def test_settled_items_change_the_next_models_answers(dirs, tmp_path, capsys, monkeypatch):
    """The loop closes: tag, settle the doubtful calls, retrain with the corrections; the new
    model gives the reviewer's labels on those texts, which the old one got wrong."""
    tag_texts(dirs, tmp_path, capsys)
    assert main([*dirs, "classify", "--json", *TRUTH]) == 0
    before = {r["text"]: r["label"] for r in json.loads(capsys.readouterr().out)}
    assert all(before[text] != label for text, label in TRUTH.items())
    order = [i.text for i in queue_of(dirs).items(limit=10)[0]]
    answer_all_by_keys(dirs, monkeypatch, capsys, "".join(KEYS[TRUTH[t]] for t in order))
    assert main([*dirs, "train", "--feedback", "--folds", "0", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["promoted"] and outcome["examples"] == 54
    assert main([*dirs, "classify", "--json", *TRUTH]) == 0
    after = {r["text"]: r["label"] for r in json.loads(capsys.readouterr().out)}
    assert after == TRUTH


def test_a_promoted_model_rescores_the_items_still_waiting(dirs, tmp_path, capsys, monkeypatch):
    """After retraining, the queue's order is the new model's doubt, not the old one's."""
    tag_texts(dirs, tmp_path, capsys)
    order = [i.text for i in queue_of(dirs).items(limit=10)[0]]
    answer_all_by_keys(dirs, monkeypatch, capsys, KEYS[TRUTH[order[0]]] + "q")
    assert main([*dirs, "train", "--feedback", "--folds", "0", "--json"]) == 0
    version = json.loads(capsys.readouterr().out)["version"]
    waiting, total = queue_of(dirs).items(limit=10)
    assert total == 3 and {i.model_version for i in waiting} == {version}
    assert main([*dirs, "classify", "--json", *(i.text for i in waiting)]) == 0
    now = {r["text"]: r for r in json.loads(capsys.readouterr().out)}
    for item in waiting:
        assert item.predicted == now[item.text]["label"]
        assert item.scores == pytest.approx(now[item.text]["scores"])
    [settled] = queue_of(dirs).items("done")[0]
    assert settled.model_version != version  # an answered item keeps the call it was shown


def test_terminal_keys_that_send_sequences_answer_nothing(dirs, tmp_path, capsys):
    """Delete sends ESC [3~ and PageUp ESC [5~: their digits must not count as answers, also
    when the whole sequence arrives in one read, as it does from tmux."""
    tag_texts(dirs, tmp_path, capsys)
    first = queue_of(dirs).items()[0][0]
    command = ai_stage_command()
    child = pexpect.spawn(command[0], [*command[1:], *dirs, "review"], encoding="utf-8", timeout=60)
    try:
        child.expect("quit")
        child.send("1")
        child.expect("3 pending · 1 settled")
        child.expect("quit")
        child.send("\x1b[3~\x1b[5~\x1b[A\x1bOP")  # Delete, PageUp, Up, F1 in one write
        child.send("u")
        child.expect(f"item {first.id} is back in the queue")
        child.send("\x04")  # Ctrl-D ends the session like the end of a pipe
        child.expect("answered 0 and skipped 0")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert queue_of(dirs).items()[1] == 4


def test_control_characters_in_a_queued_text_never_reach_the_terminal(dirs, tmp_path):
    """A text from someone else's file must not retitle the window or hide itself."""
    hostile = "Robot\x1b]0;owned\x07 arm\x1b[8m hidden text\x1b[0m sorts parcels"
    scores = {"perception": 0.3, "generative": 0.0, "agentic": 0.0, "physical": 0.35, "none": 0.35}
    candidate = Candidate(hostile, "tag", None, "r\x1b[2J", "v1", "physical", 0.35, 0.0, scores)
    queue_of(dirs).add([candidate], max_pending=10)
    command = ai_stage_command()
    child = pexpect.spawn(command[0], [*command[1:], *dirs, "review"], encoding="utf-8", timeout=60)
    try:
        child.expect("quit")
        shown = child.before
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert "sorts parcels" in shown
    # (The terminal UI sends escape codes of its own: clearing the screen, bold keys.)
    for payload in ("\x1b]0;owned", "\x1b[8m hidden", "r\x1b[2J"):
        assert payload not in shown
    assert "\N{REPLACEMENT CHARACTER}]0;owned" in shown


def test_file_system_and_database_problems_are_one_line_and_exit_2(dirs, tmp_path, capsys):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert main([*dirs, "review", "export", "-o", str(folder)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    articles = write_jsonl(tmp_path / "a.jsonl", [{"text": "robot arm"}])
    bad_db = [*dirs[:4], "--db", str(folder)]
    code = main([*bad_db, "tag", str(articles), "-o", str(tmp_path / "o.jsonl"), "--review"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: the database"), err
    code = main(
        [*dirs, "tag", str(articles), "-o", str(tmp_path / "o.jsonl"), "--review-margin", "0.2"]
    )
    assert code == 2
    assert (
        capsys.readouterr().err.strip()
        == "error: --review-threshold and --review-margin need --review"
    )
