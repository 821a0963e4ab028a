"""`ai-stage tag` as a user runs it: formats, report, progress, and a run killed with -9."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.cli import main
from tests.conftest import write_jsonl

ROBOT_NEWS = [
    {
        "id": "n1",
        "title": "Robots",
        "body": "Humanoid robot unloads boxes from trucks.",
        "date": "2026-02-03",
    },
    {
        "id": "n2",
        "title": "語音",
        "body": "語音辨識引擎，把會議錄音轉成逐字稿。",
        "date": "2026-03-04",
    },
    {"id": "n3", "title": "Empty", "body": "", "date": "2026-03-09"},
]


@pytest.fixture()
def dirs(tmp_path, tiny_data_dir):
    return ["--models-dir", str(tmp_path / "models"), "--data-dir", str(tiny_data_dir)]


def test_tag_prints_a_summary_table_and_writes_a_report(dirs, tmp_path, capsys):
    source = write_jsonl(tmp_path / "news.jsonl", ROBOT_NEWS)
    output, report = tmp_path / "tagged.csv", tmp_path / "report.html"
    code = main(
        [
            *dirs,
            "tag",
            str(source),
            "-o",
            str(output),
            "--text-field",
            "body",
            "--title-field",
            "title",
            "--date-field",
            "date",
            "--paragraphs",
            "--report",
            str(report),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    for expected in ("physical", "perception", "errors (kept, with a reason)", "total records"):
        assert expected in out
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "2026-02" in page
    assert output.read_text(encoding="utf-8").count("\n") >= 4


def test_progress_bar_stays_off_when_output_is_not_a_terminal(dirs, tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "robot"}])
    assert main([*dirs, "tag", str(source), "-o", str(tmp_path / "o.jsonl")]) == 0
    assert "docs/s" not in capsys.readouterr().err


def test_jobs_must_be_positive(dirs, tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "robot"}])
    assert main([*dirs, "tag", str(source), "-o", str(tmp_path / "o.jsonl"), "--jobs", "0"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err


def test_dask_engine_needs_a_scheduler(dirs, tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "robot"}])
    assert (
        main([*dirs, "tag", str(source), "-o", str(tmp_path / "o.jsonl"), "--engine", "dask"]) == 2
    )
    assert "--scheduler" in capsys.readouterr().err


@pytest.mark.e2e
def test_a_run_killed_mid_file_and_resumed_matches_an_uninterrupted_run(tmp_path, tiny_data_dir):
    rows = [
        {"id": f"r{i:05d}", "text": f"Robot arm number {i} picks parcels in a warehouse."}
        for i in range(6000)
    ]
    source = write_jsonl(tmp_path / "big.jsonl", rows)
    script = Path(sys.executable).parent / "ai-stage"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "classifier"]
    base = [*command, "--models-dir", str(tmp_path / "m"), "--data-dir", str(tiny_data_dir)]
    reference = tmp_path / "reference.jsonl"
    subprocess.run(
        [*base, "tag", str(source), "-o", str(reference), "--chunk-size", "20", "--quiet"],
        check=True,
        capture_output=True,
        timeout=300,
    )

    output = tmp_path / "out.jsonl"
    progress = tmp_path / ".out.jsonl.partial.progress"
    victim = subprocess.Popen(
        [*base, "tag", str(source), "-o", str(output), "--chunk-size", "20", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not (progress.exists() and progress.stat().st_size > 400):
        assert victim.poll() is None, "the run finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert not output.exists()

    resumed = subprocess.run(
        [
            *base,
            "tag",
            str(source),
            "-o",
            str(output),
            "--chunk-size",
            "20",
            "--resume",
            "--json",
            "--quiet",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = json.loads(resumed.stdout)
    assert summary["skipped_as_already_done"] > 0 and summary["records"] == 6000
    got = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    want = [json.loads(line) for line in reference.read_text(encoding="utf-8").splitlines()]
    assert got == want
    assert len({r["id"] for r in got}) == 6000
