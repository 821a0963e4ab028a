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
from pydantic import ValidationError
from sklearn.pipeline import Pipeline

from classifier import __version__
from classifier.errors import ModelIntegrityError, ModelNotFoundError
from classifier.manifest import FORMAT_VERSION, ArtifactInfo, Manifest
from classifier.model import StageClassifier

ARTIFACT_NAME = "model.joblib"
MANIFEST_NAME = "manifest.json"


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
        "ai-stage": __version__,
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


def write_model_folder(folder: Path, classifier: StageClassifier, fields: dict) -> Manifest:
    """Write artifact then manifest into `folder` (which must be new and private to the caller).

    `fields` holds what the registry knows (version, metrics, data); the artifact's checksum and
    the library versions are added here.
    """
    artifact = folder / ARTIFACT_NAME
    joblib.dump(classifier.pipeline, artifact, compress=3)
    _fsync_file(artifact)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        **fields,
        artifact=ArtifactInfo(
            file=ARTIFACT_NAME, sha256=sha256_of(artifact), bytes=artifact.stat().st_size
        ),
        libraries=library_versions(),
    )
    manifest_path = folder / MANIFEST_NAME
    manifest_path.write_text(
        json.dumps(manifest.model_dump(), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    _fsync_file(manifest_path)
    return manifest


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise ModelNotFoundError(f"{folder.name}: no manifest, so the model folder is incomplete")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelIntegrityError(f"{folder.name}: manifest is not valid JSON") from exc
    if not isinstance(raw, dict) or raw.get("format_version") != FORMAT_VERSION:
        found = raw.get("format_version") if isinstance(raw, dict) else type(raw).__name__
        raise ModelIntegrityError(
            f"{folder.name}: manifest format {found!r} is not {FORMAT_VERSION}"
        )
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ModelIntegrityError(f"{folder.name}: manifest field {where}: {first['msg']}") from exc


def _major_minor(version: str | None) -> str | None:
    return ".".join(version.split(".")[:2]) if version else None


def check_libraries(name: str, recorded: dict[str, str]) -> None:
    """Refuse a pickle made by other library versions: it may load wrongly, or not at all.

    scikit-learn must match exactly (its estimators' internals change between releases);
    numpy and Python by major.minor (their pickle formats change between those).
    """
    current = library_versions()
    if recorded.get("scikit-learn") != current["scikit-learn"]:
        raise ModelIntegrityError(
            f"{name}: trained with scikit-learn {recorded.get('scikit-learn')}, this is "
            f"{current['scikit-learn']}; retrain with `ai-stage train`"
        )
    for library in ("numpy", "python"):
        if _major_minor(recorded.get(library)) != _major_minor(current[library]):
            raise ModelIntegrityError(
                f"{name}: trained with {library} {recorded.get(library)}, this is "
                f"{current[library]}; retrain with `ai-stage train`"
            )


def verify(folder: Path, manifest: Manifest) -> Path:
    """Raise unless the artifact is exactly the one the manifest describes, made by libraries
    this process can load it with."""
    if manifest.artifact.file != ARTIFACT_NAME:
        raise ModelIntegrityError(
            f"{folder.name}: manifest names artifact {manifest.artifact.file!r}"
        )
    artifact = folder / ARTIFACT_NAME
    if not artifact.is_file():
        raise ModelIntegrityError(f"{folder.name}: artifact {ARTIFACT_NAME} is missing")
    actual = sha256_of(artifact)
    if actual != manifest.artifact.sha256:
        raise ModelIntegrityError(
            f"{folder.name}: artifact checksum {actual[:12]}... does not match the manifest's "
            f"{manifest.artifact.sha256[:12]}...; refusing to load it"
        )
    check_libraries(folder.name, manifest.libraries)
    return artifact


def verify_folder(folder: Path, version: str) -> Manifest:
    """Everything short of unpickling: the manifest, its version, the checksum, the libraries."""
    manifest = read_manifest(folder)
    if manifest.version != version:
        raise ModelIntegrityError(f"{folder.name}: manifest says version {manifest.version!r}")
    verify(folder, manifest)
    return manifest


def load_model_folder(folder: Path, version: str) -> tuple[StageClassifier, Manifest]:
    manifest = verify_folder(folder, version)
    try:
        pipeline = joblib.load(folder / ARTIFACT_NAME)
    except Exception as exc:
        # Checksum and versions matched, yet it will not load: whatever the reason (not a
        # pickle, a class that moved, a truncated stream), it is a model we cannot serve.
        raise ModelIntegrityError(
            f"{folder.name}: the artifact could not be loaded ({type(exc).__name__})"
        ) from exc
    if not isinstance(pipeline, Pipeline):
        raise ModelIntegrityError(
            f"{folder.name}: the artifact holds a {type(pipeline).__name__}, not a Pipeline"
        )
    return StageClassifier(pipeline, version=version), manifest
