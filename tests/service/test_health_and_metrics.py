import json
import logging
import time

from fastapi.testclient import TestClient

from classifier.registry import Registry
from service.app import create_app
from tests.service.conftest import assert_error, make_settings


def test_healthz_and_readyz(client, registry):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {
        "status": "ready",
        "model_version": registry.current_version(),
    }


def test_without_a_model_the_service_is_up_but_not_ready(tmp_path, tiny_data_dir):
    settings = make_settings(Registry(tmp_path / "empty"), tiny_data_dir)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert_error(client.get("/readyz"), 503, "not_ready")
        assert_error(client.post("/v1/classify", json={"text": "robot"}), 503, "not_ready")


def test_empty_registry_trains_the_default_model_on_start(tmp_path, tiny_data_dir):
    registry = Registry(tmp_path / "fresh")
    settings = make_settings(registry, tiny_data_dir, train_if_empty=True)
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").json()["model_version"] == registry.current_version()


def test_metrics_count_requests_predictions_and_show_the_version(client, registry):
    client.post("/v1/classify", json={"text": "Humanoid robot that unloads trucks"})
    text = client.get("/metrics").text
    assert 'ai_stage_http_requests_total{method="POST",route="/v1/classify",status="200"}' in text
    assert 'ai_stage_predictions_total{label="physical"}' in text
    assert f'ai_stage_model_info{{version="{registry.current_version()}"}} 1.0' in text
    assert "ai_stage_http_request_duration_seconds_bucket" in text


def test_one_log_line_per_request_without_the_text(client, caplog):
    secret = "Confidential roadmap: humanoid robot unloads trucks"
    with caplog.at_level(logging.INFO, logger="ai_stage.access"):
        client.post("/v1/classify", json={"text": secret})
    lines = [r.getMessage() for r in caplog.records if r.name == "ai_stage.access"]
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["method"] == "POST" and entry["route"] == "/v1/classify" and entry["status"] == 200
    assert entry["model_version"] and entry["latency_ms"] >= 0
    assert "Confidential" not in lines[0]


def test_promoted_model_is_picked_up_without_restart(client, registry, tiny_trained):
    before = client.get("/readyz").json()["model_version"]
    newer = registry.publish(tiny_trained, promote=True)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if client.post("/v1/classify", json={"text": "robot"}).json()["model_version"] == newer:
            break
        time.sleep(0.05)
    assert (
        client.post("/v1/classify", json={"text": "robot"}).json()["model_version"]
        == newer
        != before
    )


def test_a_tampered_new_model_is_refused_and_the_old_one_keeps_serving(
    client, registry, tiny_trained
):
    before = client.get("/readyz").json()["model_version"]
    newer = registry.publish(tiny_trained, promote=False)
    registry.promote(newer)  # as another process would, then the artifact is swapped
    (registry.root / newer / "model.joblib").write_bytes(b"not a model")
    time.sleep(0.5)
    response = client.post("/v1/classify", json={"text": "robot"})
    assert response.status_code == 200 and response.json()["model_version"] == before
