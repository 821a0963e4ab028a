"""A model from the first command: the shipped one when it can be used, else one trained here."""

from __future__ import annotations

import hashlib
import json
import shutil

from classifier.dataset import CORPUS_FOLDER, data_files
from classifier.model import ModelParams
from classifier.registry import Registry
from classifier.taxonomy import taxonomy_hash
from service import paths
from service.bootstrap import ensure_model, shipped_model


def _shipped(tmp_path, registry) -> tuple:
    folder = tmp_path / "shipped"
    version = registry.current_version()
    shutil.copytree(registry.root / version, folder / version)
    return folder, version


def test_an_empty_registry_adopts_the_shipped_model_without_training(
    tmp_path, registry, tiny_data_dir
):
    shipped, version = _shipped(tmp_path, registry)
    said = []
    target = Registry(tmp_path / "user-models")
    assert ensure_model(target, tiny_data_dir, said.append, shipped=shipped) == version
    assert target.current_version() == version and said == []
    assert target.load()[0].predict(["robot arm"])[0].label


def test_a_shipped_model_this_machine_cannot_use_is_replaced_by_training_with_one_line(
    tmp_path, registry, tiny_data_dir
):
    shipped, version = _shipped(tmp_path, registry)
    manifest_path = shipped / version / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["libraries"]["scikit-learn"] = "0.20.0"
    manifest_path.write_text(json.dumps(manifest))
    said = []
    target = Registry(tmp_path / "user-models")
    trained = ensure_model(target, tiny_data_dir, said.append, shipped=shipped)
    assert trained != version and target.current_version() == trained
    assert len(said) == 1
    assert "scikit-learn 0.20.0" in said[0] and "training the default model" in said[0]


def test_data_other_than_the_shipped_corpus_never_gets_the_shipped_model(tmp_path):
    other = paths.data_dir(str(tmp_path))
    assert other.rule == "command-line flag" and paths.shipped_models(other) is None


def test_the_shipped_default_model_was_trained_on_todays_corpus():
    """Fails when the corpus or the model design changes and models/default is not rebuilt
    (`make shipped-model`)."""
    folder = shipped_model(paths.CHECKOUT_MODELS)
    assert folder is not None, "models/default holds no model"
    recorded = json.loads((folder / "manifest.json").read_text())
    corpus = data_files(paths.REPO_ROOT / "training_data" / CORPUS_FOLDER)
    today = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in corpus}
    assert {f["path"]: f["sha256"] for f in recorded["data"]["files"]} == today
    assert ModelParams.from_dict(recorded["training"]["params"]) == ModelParams()
    assert recorded["taxonomy_sha256"] == taxonomy_hash()


def test_the_app_adopts_the_shipped_model_when_it_starts_on_the_shipped_data(tmp_path):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.config import Settings

    settings = Settings(models_dir=tmp_path / "models", database=tmp_path / "db.sqlite")
    shipped = shipped_model(paths.CHECKOUT_MODELS)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").json()["model_version"] == shipped.name
