"""Hostile requests get a clear 4xx in the one error shape; nothing crashes."""

import io
import json
import resource

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from tests.service.conftest import ADMIN_TOKEN, make_settings

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def assert_4xx(response, status=None):
    assert 400 <= response.status_code < 500, response.text
    if status:
        assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return body["error"]


def test_body_over_the_limit_with_or_without_content_length(admin):
    big = b'{"text": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    assert_4xx(
        admin.post("/v1/classify", content=big, headers={"content-type": "application/json"}), 413
    )

    def chunks():
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    response = admin.post(
        "/v1/classify", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_4xx(response, 413)


def test_deeply_nested_json_is_a_clear_4xx(admin):
    nested = b"[" * 200_000 + b"]" * 200_000
    assert_4xx(
        admin.post("/v1/classify", content=nested, headers={"content-type": "application/json"})
    )


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"text=robot", "application/x-www-form-urlencoded"),
        (b"robot", "text/plain"),
        (b"\x89PNG\r\n", "image/png"),
        (b'{"text": "robot"}', "application/xml"),
    ],
)
def test_wrong_content_types_are_422(admin, content, content_type):
    assert_4xx(
        admin.post("/v1/classify", content=content, headers={"content-type": content_type}), 422
    )


def test_invalid_utf8_is_a_clear_4xx(admin):
    response = admin.post(
        "/v1/classify",
        content=b'{"text": "\xff\xfe robot"}',
        headers={"content-type": "application/json"},
    )
    assert_4xx(response)


def test_lone_surrogates_through_json_escapes(admin):
    body = b'{"text": "robot \\ud800 arm \\udfff", "explain": true}'
    response = admin.post(
        "/v1/classify", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200 and response.json()["label"]
    feedback = admin.post(
        "/v1/feedback",
        content=b'{"text": "\\ud800", "label": "none"}',
        headers={"content-type": "application/json", **AUTH},
    )
    message = assert_4xx(feedback, 422)["message"]
    assert "lone surrogate" in message or message.startswith("text:")


@pytest.mark.parametrize(
    "version", ["../../etc", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "nope", "20200101T000000Z-abcdef"]
)
def test_hostile_or_unknown_model_versions_are_404(admin, version):
    assert_4xx(admin.post(f"/v1/models/{version}/promote", headers=AUTH), 404)


def test_a_million_tiny_lines_is_413_before_parsing(admin):
    content = b"{}\n" * 1_000_000
    response = admin.post(
        "/v1/train", files={"file": ("tiny.jsonl", io.BytesIO(content))}, headers=AUTH
    )
    assert "AI_STAGE_MAX_UPLOAD_EXAMPLES" in assert_4xx(response, 413)["message"]


def test_one_fifty_megabyte_line_is_422_and_memory_stays_bounded(admin):
    line = json.dumps({"text": "robot " * (50 * 1024 * 1024 // 6), "label": "physical"}).encode()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    response = admin.post(
        "/v1/train", files={"file": ("huge.jsonl", io.BytesIO(line))}, headers=AUTH
    )
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    error = assert_4xx(response, 422)
    assert any("limit 1,000,000" in d for d in error["details"])
    assert grown_mb < 600


def test_training_upload_over_its_byte_limit_is_413(registry, tiny_data_dir):
    settings = make_settings(
        registry, tiny_data_dir, admin_token=ADMIN_TOKEN, max_train_upload_bytes=10_000
    )
    with TestClient(create_app(settings)) as client:
        content = b'{"text": "robot", "label": "physical"}\n' * 1000
        response = client.post(
            "/v1/train", files={"file": ("a.jsonl", io.BytesIO(content))}, headers=AUTH
        )
        assert "AI_STAGE_MAX_TRAIN_UPLOAD_BYTES" in assert_4xx(response, 413)["message"]


def test_the_token_never_appears_in_logs_or_error_bodies(admin, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        bad = admin.post(
            "/v1/feedback",
            json={"text": "x", "label": "none"},
            headers={"Authorization": "Bearer guess-" + ADMIN_TOKEN},
        )
        good = admin.post("/v1/feedback", json={"text": "x", "label": "none"}, headers=AUTH)
    assert bad.status_code == 401 and good.status_code == 201
    assert ADMIN_TOKEN not in bad.text
    assert ADMIN_TOKEN not in caplog.text


def test_tokens_are_compared_in_constant_time():
    import inspect

    from service import auth

    assert "hmac.compare_digest" in inspect.getsource(auth.token_refusal)
