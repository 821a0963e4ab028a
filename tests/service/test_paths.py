"""Where state lives: one rule for every command and the service (service/paths.py)."""

from __future__ import annotations

import os

import pytest

from service import paths


@pytest.fixture()
def clean_environment(monkeypatch):
    for name in (paths.MODELS_ENV, paths.DATA_ENV, paths.DATABASE_ENV, paths.HOME_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "environ", dict(os.environ))  # serve() exports what it decided
    return monkeypatch


def test_flag_beats_variable_beats_checkout(clean_environment, tmp_path):
    assert paths.in_checkout()
    assert paths.models_dir().path == paths.REPO_ROOT / "models"
    assert paths.models_dir().rule == "source checkout"
    clean_environment.setenv(paths.MODELS_ENV, str(tmp_path / "from-env"))
    assert paths.models_dir().path == tmp_path / "from-env"
    assert paths.models_dir(str(tmp_path / "from-flag")).path == tmp_path / "from-flag"
    assert paths.models_dir(str(tmp_path / "from-flag")).rule == "command-line flag"


def test_outside_a_checkout_state_goes_to_the_user_folder_or_ai_stage_home(
    clean_environment, tmp_path
):
    clean_environment.setattr(paths, "in_checkout", lambda: False)
    default = paths.database().path
    assert "site-packages" not in str(default) and default.name == "ai-stage.db"
    clean_environment.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    assert paths.models_dir().path == tmp_path / "home" / "models"
    assert paths.database().path == tmp_path / "home" / "ai-stage.db"
    assert paths.data_dir().path == paths.SHIPPED_DATA


def test_serve_honours_the_environment_and_db_flag(clean_environment, registry, tmp_path):
    import uvicorn

    from service.cli import main

    started = []
    clean_environment.setattr(uvicorn, "run", lambda *a, **k: started.append(k))
    clean_environment.setenv(paths.MODELS_ENV, str(registry.root))
    clean_environment.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    assert main(["--db", str(tmp_path / "jobs.db"), "serve", "--port", "9"]) == 0
    assert started
    assert os.environ[paths.MODELS_ENV] == str(registry.root.resolve())
    assert os.environ[paths.DATA_ENV] == str((tmp_path / "data").resolve())
    assert os.environ[paths.DATABASE_ENV] == str((tmp_path / "jobs.db").resolve())


def test_start_up_keeps_a_publish_that_another_process_is_writing(registry):
    live = registry.root / f".tmp-20260101T000000Z-abcdef-{os.getppid()}"
    dead = registry.root / ".tmp-20260101T000000Z-abcdef-999999999"
    for folder in (live, dead):
        folder.mkdir()
    assert registry.remove_incomplete() == [dead.name]
    assert live.exists() and not dead.exists()


def test_commands_read_the_registry_the_variable_names(clean_environment, registry, capsys):
    from service.cli import main

    clean_environment.setenv(paths.MODELS_ENV, str(registry.root))
    assert main(["models", "list", "--json"]) == 0
    assert registry.current_version() in capsys.readouterr().out
