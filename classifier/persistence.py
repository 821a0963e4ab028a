"""One model folder on disk: a joblib artifact and the manifest that vouches for it.

The artifact is a pickle, and unpickling runs code, so nothing is unpickled until the manifest
has been read and the artifact's sha256 and the scikit-learn version match what it records. The
manifest is written last: a folder without one is unfinished and is never loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path

import joblib
import numpy
import scipy
import sklearn

from classifier.errors import ModelIntegrityError, ModelNotFoundError
from classifier.model import StageClassifier

FORMAT_VERSION = 1
ARTIFACT_NAME = "model.joblib"
MANIFEST_NAME = "manifest.json"
PACKAGE_VERSION = "0.1.0"


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
        "ai-stage": PACKAGE_VERSION,
    }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def write_model_folder(folder: Path, classifier: StageClassifier, manifest: dict) -> dict:
    """Write artifact then manifest into `folder` (which must be new and private to the caller)."""
    artifact = folder / ARTIFACT_NAME
    joblib.dump(classifier.pipeline, artifact, compress=3)
    _fsync_file(artifact)
    full = {
        "format_version": FORMAT_VERSION,
        **manifest,
        "artifact": {
            "file": ARTIFACT_NAME,
            "sha256": sha256_of(artifact),
            "bytes": artifact.stat().st_size,
        },
        "libraries": library_versions(),
    }
    manifest_path = folder / MANIFEST_NAME
    manifest_path.write_text(json.dumps(full, indent=2, ensure_ascii=False), encoding="utf-8")
    _fsync_file(manifest_path)
    return full


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise ModelNotFoundError(f"{folder.name}: no manifest, so the model folder is incomplete")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelIntegrityError(f"{folder.name}: manifest is not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise ModelIntegrityError(
            f"{folder.name}: manifest format {manifest.get('format_version')!r} is not "
            f"{FORMAT_VERSION}"
            if isinstance(manifest, dict)
            else f"{folder.name}: manifest is not an object"
        )
    return manifest


def verify(folder: Path, manifest: dict) -> Path:
    """Raise unless the artifact is exactly the one the manifest describes."""
    artifact_info = manifest.get("artifact") or {}
    name = artifact_info.get("file")
    if name != ARTIFACT_NAME:
        raise ModelIntegrityError(f"{folder.name}: manifest names artifact {name!r}")
    artifact = folder / ARTIFACT_NAME
    if not artifact.is_file():
        raise ModelIntegrityError(f"{folder.name}: artifact {ARTIFACT_NAME} is missing")
    actual = sha256_of(artifact)
    if actual != artifact_info.get("sha256"):
        raise ModelIntegrityError(
            f"{folder.name}: artifact checksum {actual[:12]}... does not match the manifest's "
            f"{str(artifact_info.get('sha256'))[:12]}...; refusing to load it"
        )
    trained_with = (manifest.get("libraries") or {}).get("scikit-learn")
    if trained_with != sklearn.__version__:
        raise ModelIntegrityError(
            f"{folder.name}: trained with scikit-learn {trained_with}, this is "
            f"{sklearn.__version__}; retrain with `ai-stage train`"
        )
    return artifact


def load_model_folder(folder: Path, version: str) -> tuple[StageClassifier, dict]:
    manifest = read_manifest(folder)
    if manifest.get("version") != version:
        raise ModelIntegrityError(
            f"{folder.name}: manifest says version {manifest.get('version')!r}"
        )
    artifact = verify(folder, manifest)
    pipeline = joblib.load(artifact)
    return StageClassifier(pipeline, version=version), manifest
