"""Where ai-stage keeps its state, decided here and nowhere else.

Every command and the service ask this module, so `ai-stage serve`, `ai-stage train` and a job
process always agree. For each location the first rule that applies wins:

1. the command-line flag (`--models-dir`, `--data-dir`, `--db`);
2. its `AI_STAGE_*` variable (`AI_STAGE_MODELS_DIR`, `AI_STAGE_DATA_DIR`, `AI_STAGE_DATABASE`);
3. in a source checkout, the repository's own folders (`models/`, `training_data/`, `var/`), so
   `make serve` works on the files next to the code;
4. otherwise a per-user data folder (platformdirs), or `AI_STAGE_HOME` when it is set.

An installed package is never written to: outside a checkout the labeled data and the default
model are read from the copies shipped with the package (the data packages `ai_stage_data` and
`ai_stage_models`, built from `training_data/` and `models/default/`), and everything written
goes to the user's folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "ai-stage"
REPO_ROOT = Path(__file__).resolve().parent.parent
# Installed, `service` and the two data packages sit side by side in site-packages.
SHIPPED_DATA = REPO_ROOT / "ai_stage_data"
SHIPPED_MODELS = REPO_ROOT / "ai_stage_models"
CHECKOUT_MODELS = REPO_ROOT / "models" / "default"

MODELS_ENV = "AI_STAGE_MODELS_DIR"
DATA_ENV = "AI_STAGE_DATA_DIR"
DATABASE_ENV = "AI_STAGE_DATABASE"
HOME_ENV = "AI_STAGE_HOME"
SHIPPED_RULE = "shipped with the package (read only)"


@dataclass(frozen=True)
class Location:
    path: Path
    rule: str  # which rule chose it, for `ai-stage info`


def in_checkout() -> bool:
    """True when running from a source tree (editable install or plain checkout)."""
    return (REPO_ROOT / "pyproject.toml").is_file() and (REPO_ROOT / "training_data").is_dir()


def home() -> Location:
    value = os.environ.get(HOME_ENV)
    if value:
        return Location(Path(value).expanduser(), f"{HOME_ENV}")
    return Location(platformdirs.user_data_path(APP_NAME), "per-user data folder")


def _pick(flag: str | Path | None, env: str, checkout: Path, installed: Location) -> Location:
    if flag:
        return Location(Path(flag).expanduser(), "command-line flag")
    value = os.environ.get(env)
    if value:
        return Location(Path(value).expanduser(), env)
    if in_checkout():
        return Location(checkout, "source checkout")
    return installed


def models_dir(flag: str | Path | None = None) -> Location:
    base = home()
    return _pick(flag, MODELS_ENV, REPO_ROOT / "models", Location(base.path / "models", base.rule))


def data_dir(flag: str | Path | None = None) -> Location:
    shipped = Location(SHIPPED_DATA, SHIPPED_RULE)
    return _pick(flag, DATA_ENV, REPO_ROOT / "training_data", shipped)


def database(flag: str | Path | None = None) -> Location:
    base = home()
    installed = Location(base.path / "ai-stage.db", base.rule)
    return _pick(flag, DATABASE_ENV, REPO_ROOT / "var" / "ai-stage.db", installed)


def shipped_models(data: Location) -> Path | None:
    """Where the default model trained on the shipped corpus lies, when it is the data in use.
    A user who points ai-stage at other data gets a model of that data, not ours."""
    if data.rule not in ("source checkout", SHIPPED_RULE):
        return None
    return CHECKOUT_MODELS if in_checkout() else SHIPPED_MODELS


def state_dir(database_path: Path) -> Path:
    """Uploads, job logs and results live beside the database they belong to."""
    return Path(database_path).parent
