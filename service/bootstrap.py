"""Getting a model to serve: the current one, or the default one trained from local data.

Both adapters (the CLI and the service) need "a model, now". When the registry is empty, the
default model is trained from `training_data/` and published. The registry lock is held while
doing so, so several service workers starting together train it once, not once each.
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
from classifier.model import StageClassifier
from classifier.registry import Registry
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


def ensure_model(
    registry: Registry, data_dir: Path, say: Say, config: TrainingConfig | None = None
) -> str:
    """The current version, after training and promoting the default model if there is none."""
    current = registry.current_version()
    if current is not None:
        return current
    with registry.writing():
        current = registry.current_version()
        if current is None:
            say(f"no model in {registry.root} yet: training the default model from {data_dir}")
            trained = train_default(data_dir, config or TrainingConfig(), say)
            current = registry.publish(trained, promote=False)
            registry.promote(current, locked=True)
            say(f"published and promoted {current}")
    return current


def load_or_train(
    registry: Registry, data_dir: Path, say: Say, config: TrainingConfig | None = None
) -> tuple[StageClassifier, dict]:
    ensure_model(registry, data_dir, say, config)
    return registry.load()
