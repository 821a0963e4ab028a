from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from classifier.registry import Registry
from service.app import create_app
from service.config import Settings

ADMIN_TOKEN = "test-admin-token-7f3a"


def make_settings(registry: Registry, data_dir, **overrides) -> Settings:
    values = {
        "models_dir": registry.root,
        "database": registry.root.parent / "ai-stage.db",
        "data_dir": data_dir,
        "train_if_empty": False,
        "reload_interval": 0.1,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture()
def settings(registry: Registry, tiny_data_dir) -> Settings:
    return make_settings(registry, tiny_data_dir, max_text_chars=2_000, max_batch_items=5)


@pytest.fixture()
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture()
def admin(registry: Registry, tiny_data_dir) -> Iterator[TestClient]:
    """A client for an app with the admin token configured."""
    settings = make_settings(registry, tiny_data_dir, admin_token=ADMIN_TOKEN)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def assert_error(response, status: int, code: str, contains: str = "") -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert contains in body["error"]["message"]
    return body["error"]
