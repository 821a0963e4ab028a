import pytest

from classifier.taxonomy import LABELS
from tests.service.conftest import assert_error


def test_classify_returns_stage_scores_and_version(client, registry):
    response = client.post("/v1/classify", json={"text": "Humanoid robot that unloads trucks"})
    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "physical"
    assert list(body["scores"]) == list(LABELS)
    assert sum(body["scores"].values()) == pytest.approx(1.0)
    assert body["confidence"] == body["scores"]["physical"]
    assert body["model_version"] == registry.current_version()
    assert "terms" not in body


def test_explain_adds_terms_with_weights(client):
    body = client.post(
        "/v1/classify", json={"text": "Robot vacuum avoids socks", "explain": True}
    ).json()
    assert body["terms"] and all(set(t) == {"term", "weight"} for t in body["terms"])


@pytest.mark.parametrize(
    "text",
    [
        "人形機器人在工廠搬運零件",
        "仓储机器人自动分拣包裹",
        "用 ChatGPT 寫文案 ✍️🤖",
        "tab\tbell\x07 nul\x00 rtl \u202e",
    ],
)
def test_any_unicode_text_gets_an_answer(client, text):
    response = client.post("/v1/classify", json={"text": text})
    assert response.status_code == 200
    assert response.json()["label"] in LABELS


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": 12}, "text"),
        ({"txt": "robot"}, "text"),
        ({"text": "robot", "colour": "red"}, "colour"),
        ({"text": "robot", "explain": "yes"}, "explain"),
        ([], "body"),
    ],
)
def test_wrong_types_and_unknown_fields_are_422_naming_the_field(client, body, field):
    error = assert_error(client.post("/v1/classify", json=body), 422, "invalid_request")
    assert error["details"][0]["field"] == field or field in error["message"]


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_422(client, text):
    assert_error(
        client.post("/v1/classify", json={"text": text}), 422, "invalid_input", "text is empty"
    )


def test_invalid_json_is_422_in_the_same_shape(client):
    response = client.post(
        "/v1/classify", content=b'{"text": "robot",', headers={"content-type": "application/json"}
    )
    error = assert_error(response, 422, "invalid_request", "invalid JSON")
    assert error["details"][0]["field"] == "body"


def test_text_over_the_limit_is_413_naming_the_limit(client):
    response = client.post("/v1/classify", json={"text": "robot " * 500})
    assert_error(response, 413, "too_large", "the limit is 2,000 (AI_STAGE_MAX_TEXT_CHARS)")


def test_batch_keeps_order_and_ids(client, registry):
    items = [
        {"id": "a", "text": "Speech-to-text that transcribes call-centre recordings."},
        {"text": "自駕車在台北街頭測試"},
        {"id": "c", "text": "Stainless steel electric kettle"},
    ]
    response = client.post("/v1/classify/batch", json={"items": items})
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["results"]] == ["a", None, "c"]
    assert [r["label"] for r in body["results"]] == ["perception", "physical", "none"]
    assert body["model_version"] == registry.current_version()


def test_batch_is_one_vectorised_prediction(client, monkeypatch):
    serving = client.app.state.holder.current()
    calls = []
    original = serving.classifier.predict

    def counting(texts, **kwargs):
        calls.append(len(texts))
        return original(texts, **kwargs)

    monkeypatch.setattr(serving.classifier, "predict", counting)
    items = [{"text": f"robot number {i}"} for i in range(4)]
    assert client.post("/v1/classify/batch", json={"items": items}).status_code == 200
    assert calls == [4]


def test_batch_over_the_item_limit_is_413(client):
    items = [{"text": "robot"}] * 6
    assert_error(
        client.post("/v1/classify/batch", json={"items": items}), 413, "too_large", "the limit is 5"
    )


def test_batch_with_an_empty_item_names_its_index(client):
    items = [{"text": "robot"}, {"text": " "}]
    assert_error(
        client.post("/v1/classify/batch", json={"items": items}),
        422,
        "invalid_input",
        "items.1.text",
    )


def test_empty_batch_is_422(client):
    assert_error(client.post("/v1/classify/batch", json={"items": []}), 422, "invalid_request")


def test_body_over_the_byte_limit_is_413(registry, tiny_data_dir):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service.conftest import make_settings

    settings = make_settings(registry, tiny_data_dir, max_body_bytes=2048)
    with TestClient(create_app(settings)) as small:
        response = small.post("/v1/classify", json={"text": "x" * 5000})
        assert_error(response, 413, "too_large", "2,048 bytes")


def test_classify_can_require_the_token(registry, tiny_data_dir):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service.conftest import ADMIN_TOKEN, make_settings

    settings = make_settings(
        registry, tiny_data_dir, admin_token=ADMIN_TOKEN, require_token_for_classify=True
    )
    with TestClient(create_app(settings)) as locked:
        assert_error(locked.post("/v1/classify", json={"text": "robot"}), 401, "unauthorized")
        ok = locked.post(
            "/v1/classify",
            json={"text": "robot"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        assert ok.status_code == 200
