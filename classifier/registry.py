"""The model registry: the one module that reads and writes `models/`.

Layout::

    models/
      CURRENT                 {"version": "...", "history": ["older", ...]}
      20261125T081500Z-1a2b3c/
        model.joblib
        manifest.json         written last: no manifest, no model

A version is published by writing into a hidden temporary folder and renaming it into place, and
promoted by replacing CURRENT with `os.replace`, so a reader sees the old state or the new one,
never half of either. Version strings are checked against a pattern before they touch a path.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from classifier.errors import ModelIntegrityError, ModelNotFoundError
from classifier.manifest import Manifest
from classifier.model import StageClassifier
from classifier.persistence import (
    load_model_folder,
    read_manifest,
    verify_folder,
    write_model_folder,
)
from classifier.processes import process_alive
from classifier.taxonomy import taxonomy_hash
from classifier.training import TrainedModel

VERSION_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
POINTER_NAME = "CURRENT"
TEMP_PREFIX = ".tmp-"
HISTORY_KEPT = 50
ERRORS_IN_MANIFEST = 20


@dataclass(frozen=True)
class ModelInfo:
    version: str
    created_at: str
    current: bool
    macro_f1: float | None
    examples: int | None


def new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def check_version(version: object) -> str:
    if not isinstance(version, str) or not VERSION_PATTERN.fullmatch(version):
        raise ModelNotFoundError(
            f"{version!r} is not a model version (expected like 20261125T081500Z-1a2b3c)"
        )
    return version


class Registry:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- reading ---------------------------------------------------------------------------

    def folder(self, version: str) -> Path:
        folder = (self.root / check_version(version)).resolve()
        if folder.parent != self.root.resolve():
            raise ModelNotFoundError(f"{version!r} points outside the registry")
        return folder

    def _published(self, version: str) -> Path:
        """The folder of a version that exists, or the one not-found error."""
        folder = self.folder(version)
        if not folder.is_dir():
            raise ModelNotFoundError(f"no model version {version!r} in the registry")
        return folder

    def _pointer(self) -> dict:
        path = self.root / POINTER_NAME
        try:
            pointer = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"version": None, "history": []}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelIntegrityError(f"the {POINTER_NAME} pointer is not valid JSON") from exc
        if not isinstance(pointer, dict):
            raise ModelIntegrityError(f"the {POINTER_NAME} pointer is not a JSON object")
        return pointer

    def current_version(self) -> str | None:
        version = self._pointer().get("version")
        return None if version is None else check_version(version)

    def versions(self) -> list[str]:
        """Published versions, oldest first; unfinished folders are not versions."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and VERSION_PATTERN.fullmatch(p.name) and (p / "manifest.json").is_file()
        )

    def manifest(self, version: str | None = None) -> Manifest:
        version = self._require_current() if version is None else version
        return read_manifest(self._published(version))

    def list(self) -> list[ModelInfo]:
        current = self.current_version()
        infos = []
        for version in self.versions():
            manifest = self.manifest(version)
            infos.append(
                ModelInfo(
                    version=version,
                    created_at=manifest.created_at,
                    current=version == current,
                    macro_f1=manifest.cv_macro_f1,
                    examples=manifest.examples,
                )
            )
        return infos

    def load(self, version: str | None = None) -> tuple[StageClassifier, Manifest]:
        """Verify, then unpickle; the current version when none is named."""
        version = self._require_current() if version is None else version
        return load_model_folder(self._published(version), version)

    def _require_current(self) -> str:
        version = self.current_version()
        if version is None:
            raise ModelNotFoundError("no current model in the registry; run `ai-stage train`")
        return version

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Serialise writers across processes (several service workers, a CLI run)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def publish(
        self, trained: TrainedModel, promote: bool = True, notes: dict | None = None
    ) -> str:
        version = new_version()
        self.root.mkdir(parents=True, exist_ok=True)
        temp = self.root / f"{TEMP_PREFIX}{version}-{os.getpid()}"
        temp.mkdir()
        try:
            write_model_folder(temp, trained.classifier, _manifest_of(version, trained, notes))
            os.rename(temp, self.root / version)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        _fsync_dir(self.root)
        if promote:
            self.promote(version)
        return version

    def verify(self, version: str) -> Manifest:
        """Check a version without unpickling it: manifest, checksum, library versions."""
        return verify_folder(self._published(version), version)

    def adopt(self, folder: Path) -> str:
        """Copy a model folder made elsewhere (the one shipped with the package) into the
        registry, after the same checks as any load, unpickling included; returns its version.
        The caller holds `writing()`. The copy itself is verified by `promote` and every load."""
        version = check_version(Path(folder).name)
        load_model_folder(Path(folder), version)  # refuses what this process cannot serve
        if not (self.root / version).is_dir():
            temp = self.root / f"{TEMP_PREFIX}{version}-{os.getpid()}"
            shutil.rmtree(temp, ignore_errors=True)
            try:
                shutil.copytree(folder, temp)
                os.rename(temp, self.root / version)
            except BaseException:
                shutil.rmtree(temp, ignore_errors=True)
                raise
            _fsync_dir(self.root)
        return version

    def promote(self, version: str, locked: bool = False) -> None:
        """Make `version` current; `locked=True` when the caller already holds `writing()`.

        A version that fails its checks is refused before CURRENT is touched, so a restart
        never finds a pointer to a model it cannot load.
        """
        self.verify(version)
        with contextlib.nullcontext() if locked else self.writing():
            pointer = self._pointer()
            previous = pointer.get("version")
            if previous == version:
                return
            history = list(pointer.get("history", []))
            if previous:
                history.insert(0, previous)
            self._write_pointer({"version": version, "history": history[:HISTORY_KEPT]})

    def _live_history(self) -> list[str]:
        """Earlier current versions, newest first, leaving out any no longer published."""
        published = set(self.versions())
        history = [v for v in self._pointer().get("history", []) if v in published]
        if not history:
            raise ModelNotFoundError("no earlier model to roll back to")
        return history

    def rollback_target(self) -> str:
        """The version a rollback would make current."""
        return self._live_history()[0]

    def rollback(self, expected: str | None = None) -> str:
        """Make the previously current version current again, after checking it exactly as
        `promote` does; returns it. `expected` (from `rollback_target`) must still be the
        target, so a caller that loaded it first never points CURRENT at something else."""
        with self.writing():
            history = self._live_history()
            target = history[0]
            if expected is not None and target != expected:
                raise ModelNotFoundError("the model history changed; try the rollback again")
            self.verify(target)
            rest = [v for v in history if v != target]
            self._write_pointer({"version": target, "history": rest})
            return target

    def _write_pointer(self, pointer: dict) -> None:
        temp = self.root / f"{TEMP_PREFIX}{POINTER_NAME}-{os.getpid()}"
        with temp.open("w", encoding="utf-8") as handle:
            json.dump(pointer, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.root / POINTER_NAME)
        _fsync_dir(self.root)

    def remove_incomplete(self) -> list[str]:
        """Delete temporary files and folders left by a writer that died before its rename.

        A temporary name ends in its writer's pid; one whose writer is still running (a publish
        under way in another process) is left alone.
        """
        removed = []
        if self.root.is_dir():
            for path in self.root.iterdir():
                if not path.name.startswith(TEMP_PREFIX) or _writer_alive(path.name):
                    continue
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(path.name)
        return removed


def _writer_alive(name: str) -> bool:
    pid_text = name.rsplit("-", 1)[-1]
    return pid_text.isdigit() and (int(pid_text) == os.getpid() or process_alive(int(pid_text)))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _manifest_of(version: str, trained: TrainedModel, notes: dict | None) -> dict:
    """The manifest's fields that the registry knows; persistence adds artifact and libraries."""

    def report(r: object) -> dict | None:
        if r is None:
            return None
        data = r.to_dict()  # type: ignore[attr-defined]
        data["misclassified"] = data["misclassified"][:ERRORS_IN_MANIFEST]
        return data

    return {
        "version": version,
        "created_at": trained.trained_at,
        "training": {**trained.config.to_dict(), "fit_seconds": trained.fit_seconds},
        "data": trained.data,
        "taxonomy_sha256": taxonomy_hash(),
        "metrics": {
            "cross_validation": report(trained.cross_validation),
            "holdout": report(trained.holdout),
        },
        "notes": {**trained.notes, **(notes or {})},
    }
