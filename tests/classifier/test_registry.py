import json
import os

import pytest

from classifier.errors import ModelIntegrityError, ModelNotFoundError
from classifier.registry import Registry


def test_publish_writes_artifact_and_manifest_and_leaves_no_temp_folder(registry):
    [version] = registry.versions()
    folder = registry.root / version
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "model.joblib"]
    assert not [p for p in registry.root.iterdir() if p.name.startswith(".tmp-")]
    manifest = registry.manifest(version)
    assert manifest.version == version
    assert set(manifest.libraries) >= {"python", "scikit-learn", "numpy", "scipy", "joblib"}
    assert manifest.data["per_label"] == {
        label: 10 for label in ("perception", "generative", "agentic", "physical", "none")
    }
    assert len(manifest.artifact.sha256) == 64
    assert len(manifest.taxonomy_sha256) == 64


def test_load_returns_the_current_model_with_its_version(registry):
    classifier, manifest = registry.load()
    assert classifier.version == registry.current_version() == manifest.version
    assert classifier.predict(["a robot arm"])[0].label in manifest.data["per_label"]


def test_promote_and_rollback_move_the_current_pointer(registry, tiny_trained):
    first = registry.current_version()
    second = registry.publish(tiny_trained, promote=False)
    assert registry.current_version() == first
    registry.promote(second)
    assert registry.current_version() == second
    assert registry.rollback() == first
    assert registry.current_version() == first
    with pytest.raises(ModelNotFoundError, match="no earlier model"):
        registry.rollback()


def test_list_marks_the_current_version(registry, tiny_trained):
    registry.publish(tiny_trained, promote=False)
    infos = registry.list()
    assert len(infos) == 2
    assert [i.current for i in infos].count(True) == 1


def test_tampered_artifact_is_refused_before_unpickling(registry):
    version = registry.current_version()
    artifact = registry.root / version / "model.joblib"
    artifact.write_bytes(artifact.read_bytes() + b"\x00")
    with pytest.raises(ModelIntegrityError, match="checksum"):
        registry.load()


def test_model_from_another_scikit_learn_version_is_refused(registry):
    version = registry.current_version()
    path = registry.root / version / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["libraries"]["scikit-learn"] = "0.24.2"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ModelIntegrityError, match=r"scikit-learn 0\.24\.2"):
        registry.load()


@pytest.mark.parametrize(
    "version", ["../../etc", "..", "20261125T081500Z-1a2b3c/../x", "", "latest"]
)
def test_versions_that_are_not_version_ids_never_touch_the_disk(registry, version):
    with pytest.raises(ModelNotFoundError, match="not a model version"):
        registry.load(version)
    with pytest.raises(ModelNotFoundError):
        registry.promote(version)


def test_unknown_version_is_not_found(registry):
    with pytest.raises(ModelNotFoundError, match="no model version"):
        registry.load("20200101T000000Z-abcdef")


def test_folder_without_manifest_is_not_a_version_and_cannot_be_promoted(registry):
    half = registry.root / "20200101T000000Z-abcdef"
    half.mkdir()
    (half / "model.joblib").write_bytes(b"partial")
    assert half.name not in registry.versions()
    with pytest.raises(ModelNotFoundError, match="incomplete"):
        registry.promote(half.name)


def test_leftover_temp_folders_are_removed(registry):
    leftover = registry.root / ".tmp-20200101T000000Z-abcdef-123"
    leftover.mkdir()
    assert registry.remove_incomplete() == [leftover.name]
    assert not leftover.exists()


def test_empty_registry_has_no_current_model(tmp_path):
    registry = Registry(tmp_path / "empty")
    assert registry.current_version() is None and registry.versions() == []
    with pytest.raises(ModelNotFoundError, match="ai-stage train"):
        registry.load()


def test_failed_publish_leaves_nothing_behind(registry, tiny_trained, monkeypatch):
    def explode(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("classifier.registry.write_model_folder", explode)
    before = sorted(os.listdir(registry.root))
    with pytest.raises(OSError, match="disk full"):
        registry.publish(tiny_trained)
    assert sorted(os.listdir(registry.root)) == before
