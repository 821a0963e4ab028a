"""Getting a model to serve: the current one, else the shipped one, else one trained here.

Both adapters (the CLI and the service) need "a model, now". When the registry has no current
model, the default model shipped with ai-stage is checked (checksum, library versions, a trial
load) and adopted; when this machine cannot use it (another scikit-learn, say), one is trained
from the shipped corpus, with one line saying so. The registry lock is held meanwhile, so several
service workers starting together do this once, not once each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from classifier.dataset import (
    HOLDOUT_FOLDER,
    Dataset,
    data_files,
    load_holdout,
    load_training_data,
)
from classifier.errors import ClassifierError
from classifier.manifest import Manifest
from classifier.model import StageClassifier
from classifier.registry import VERSION_PATTERN, Registry
from classifier.training import TrainedModel, TrainingConfig, train

Say = Callable[[str], None]


def holdout_if_present(data_dir: Path) -> Dataset | None:
    """The fixed evaluation split, when the data folder has one."""
    folder = data_dir / HOLDOUT_FOLDER
    return load_holdout(data_dir) if folder.is_dir() and data_files(folder) else None


def train_default(data_dir: Path, config: TrainingConfig, say: Say) -> TrainedModel:
    dataset = load_training_data(data_dir)
    holdout = holdout_if_present(data_dir)
    return train(dataset, config, holdout=holdout, progress=lambda _f, message: say(message))


def shipped_model(folder: Path | None) -> Path | None:
    """The version folder of the newest model shipped in `folder` (versions sort by time)."""
    if folder is None or not folder.is_dir():
        return None
    found = sorted(p for p in folder.iterdir() if p.is_dir() and VERSION_PATTERN.fullmatch(p.name))
    return found[-1] if found else None


def ensure_model(
    registry: Registry,
    data_dir: Path,
    say: Say,
    config: TrainingConfig | None = None,
    shipped: Path | None = None,
) -> str:
    """The current version, after adopting the shipped model or training one if there is none."""
    current = registry.current_version()
    if current is not None:
        return current
    with registry.writing():
        current = registry.current_version()
        if current is not None:
            return current
        folder = shipped_model(shipped)
        reason = "no model for this data yet"
        if folder is not None:
            try:
                current = registry.adopt(folder)
            except ClassifierError as exc:
                reason = f"the shipped model cannot be used here ({exc.message})"
        if current is None:
            say(f"{reason}: training the default model from {data_dir} (about a minute)")
            trained = train_default(data_dir, config or TrainingConfig(), lambda _message: None)
            current = registry.publish(trained, promote=False)
        registry.promote(current, locked=True)
    return current


def load_or_train(
    registry: Registry,
    data_dir: Path,
    say: Say,
    config: TrainingConfig | None = None,
    shipped: Path | None = None,
) -> tuple[StageClassifier, Manifest]:
    ensure_model(registry, data_dir, say, config, shipped)
    return registry.load()
