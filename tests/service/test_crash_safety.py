"""The registry under crashes: a publish killed mid-write, a tampered artifact, a pointer that is
replaced while being read."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

from fastapi.testclient import TestClient

from classifier.errors import ModelIntegrityError
from classifier.registry import Registry
from service.app import create_app
from tests.service.conftest import make_settings

SLOW_PUBLISH = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import joblib
    from classifier.dataset import load_dataset
    from classifier.registry import Registry
    from classifier.training import TrainingConfig, train

    real_dump = joblib.dump

    def slow_dump(obj, path, **kwargs):
        with open(path, "wb") as handle:          # half an artifact on disk...
            handle.write(b"partial model bytes")
            handle.flush()
        print("writing", flush=True)
        time.sleep(60)                            # ...and the process is killed here
        real_dump(obj, path, **kwargs)

    joblib.dump = slow_dump
    trained = train(load_dataset([Path(sys.argv[2])]), TrainingConfig(cv_folds=0))
    Registry(Path(sys.argv[1])).publish(trained)
    """
)


def test_kill_9_while_writing_a_model_keeps_the_previous_one(registry, tiny_data_dir, tiny_trained):
    before = registry.current_version()
    with subprocess.Popen(
        [sys.executable, "-c", SLOW_PUBLISH, str(registry.root), str(tiny_data_dir / "corpus")],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout.readline().strip() == "writing"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    leftovers = [p.name for p in registry.root.iterdir() if p.name.startswith(".tmp-")]
    assert leftovers, "the killed publish should have left its temporary folder"
    assert registry.current_version() == before and registry.versions() == [before]
    classifier, _ = registry.load()
    assert classifier.version == before
    assert registry.remove_incomplete() == leftovers
    assert not [p for p in registry.root.iterdir() if p.name.startswith(".tmp-")]


def test_serve_start_up_cleans_partial_folders(registry, tmp_path, monkeypatch):
    partial = registry.root / ".tmp-20260101T000000Z-abcdef-99"
    partial.mkdir()
    (partial / "model.joblib").write_bytes(b"half")
    started = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: started.append(kwargs))
    # serve() exports these for its workers; registering them lets monkeypatch restore them.
    for name in ("AI_STAGE_MODELS_DIR", "AI_STAGE_DATA_DIR", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.setenv(name, "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    from service.server import serve

    assert serve(models_dir=str(registry.root), data_dir=str(tmp_path), port=9) == 0
    assert not partial.exists() and started


def test_tampered_current_artifact_is_refused_while_the_server_keeps_its_model(
    registry, tiny_data_dir
):
    with TestClient(create_app(make_settings(registry, tiny_data_dir))) as client:
        version = client.get("/readyz").json()["model_version"]
        artifact = registry.root / version / "model.joblib"
        artifact.write_bytes(b"evil pickle " + artifact.read_bytes()[12:])
        fresh = Registry(registry.root)
        try:
            fresh.load()
            raise AssertionError("a tampered artifact was loaded")
        except ModelIntegrityError as exc:
            assert "checksum" in exc.message
        assert (
            client.post("/v1/classify", json={"text": "robot"}).json()["model_version"] == version
        )
        assert client.get("/readyz").status_code == 200


def test_current_pointer_is_never_seen_torn(registry, tiny_trained):
    versions = [registry.current_version(), registry.publish(tiny_trained, promote=False)]
    pointer = registry.root / "CURRENT"
    stop = threading.Event()
    seen: list[str] = []
    problems: list[str] = []

    def reader():
        while not stop.is_set():
            try:
                seen.append(json.loads(pointer.read_text())["version"])
            except Exception as exc:  # a torn pointer would show up here
                problems.append(repr(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    deadline = time.monotonic() + 2
    flips = 0
    while time.monotonic() < deadline:
        registry.promote(versions[flips % 2])
        flips += 1
    stop.set()
    thread.join()
    assert not problems and set(seen) <= set(versions) and flips > 50
