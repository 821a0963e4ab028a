"""Installed as a package, ai-stage works from any folder and never writes inside site-packages.

Builds the wheel, installs it into a fresh virtual environment and uses it as a new user would,
from an empty folder with an empty home.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _run(command: list, cwd: Path, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("install")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AI_STAGE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    source = base / "source"  # a clean copy: no build/ leftovers from an earlier wheel
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "classifier", "service", "training_data"):
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "models" / "default", source / "models" / "default")
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", source],
        base,
        env,
    )
    [wheel] = (base / "dist").glob("ai_stage-*.whl")
    _run([sys.executable, "-m", "venv", base / "venv"], base, env)
    _run([base / "venv/bin/python", "-m", "pip", "install", "-q", wheel], base, env, timeout=900)
    purelib = _run(
        [
            base / "venv/bin/python",
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        base,
        env,
    ).stdout.strip()
    home, work = base / "home", base / "work"
    home.mkdir()
    work.mkdir()
    user_env = {**env, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    user_env["PATH"] = f"{base / 'venv/bin'}{os.pathsep}{env.get('PATH', '')}"
    return {"site": Path(purelib), "home": home, "work": work, "env": user_env, "wheel": wheel}


def test_the_wheel_ships_the_corpus_the_default_model_and_the_page(installed):
    import zipfile

    names = zipfile.ZipFile(installed["wheel"]).namelist()
    assert any(n.startswith("ai_stage_data/corpus/") and n.endswith(".jsonl") for n in names)
    models = [n for n in names if n.startswith("ai_stage_models/") and n.endswith("model.joblib")]
    assert len(models) == 1
    assert "service/static/index.html" in names


def test_a_new_user_classifies_tags_and_serves_from_an_empty_folder(installed):
    site, work, env = installed["site"], installed["work"], installed["env"]
    before = _files(site)

    started = time.monotonic()
    answer = _run(
        ["ai-stage", "classify", "--json", "A humanoid robot that stacks boxes"], work, env
    )
    assert json.loads(answer.stdout)[0]["label"] == "physical"
    assert "training" not in answer.stderr  # the shipped model answered
    assert time.monotonic() - started < 60

    assert "perception" in _run(["ai-stage", "labels"], work, env).stdout
    (work / "news.jsonl").write_text(
        json.dumps({"id": "1", "text": "Speech-to-text for call centres."})
        + "\n"
        + json.dumps({"id": "2", "text": "A kettle that boils water."})
        + "\n",
        encoding="utf-8",
    )
    _run(["ai-stage", "tag", "news.jsonl", "-o", "tagged.jsonl", "--quiet"], work, env)
    rows = [json.loads(line) for line in (work / "tagged.jsonl").read_text().splitlines()]
    assert [r["label"] for r in rows] == ["perception", "none"]

    info = json.loads(_run(["ai-stage", "info", "--json"], work, env).stdout)
    models = Path(info["locations"]["models"]["path"])
    assert models.is_relative_to(installed["home"]) and info["serving_model"]
    assert info["locations"]["data"]["rule"] == "shipped with the package (read only)"

    port = _free_port()
    server = subprocess.Popen(
        ["ai-stage", "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert json.loads(r.read())["status"] == "ready"
                    break
            except OSError:
                assert server.poll() is None, "serve exited"
                assert time.monotonic() < deadline, "serve never became ready"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=20)

    assert _files(site) == before, "something was written inside site-packages"
    assert not list(work.glob("models")) and not (work / "var").exists()
