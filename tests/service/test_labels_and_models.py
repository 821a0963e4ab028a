from classifier.taxonomy import LABELS
from tests.service.conftest import assert_error


def test_labels_in_english_with_examples_and_rules(client):
    body = client.get("/v1/labels").json()
    assert body["lang"] == "en"
    assert [s["id"] for s in body["labels"]] == list(LABELS)
    perception = body["labels"][0]
    assert perception["name"] == "Perception AI"
    assert any("AlexNet" in e["name"] for e in perception["examples"])
    assert perception["rules"]


def test_labels_in_traditional_chinese(client):
    body = client.get("/v1/labels", params={"lang": "zh-Hant"}).json()
    assert body["labels"][1]["name"] == "生成 AI"


def test_one_label_and_an_unknown_one(client):
    assert client.get("/v1/labels/agentic").json()["id"] == "agentic"
    assert_error(client.get("/v1/labels/robots"), 404, "unknown_label", "expected one of")


def test_unsupported_language_is_422(client):
    assert_error(client.get("/v1/labels", params={"lang": "fr"}), 422, "invalid_request", "lang")


def test_model_manifest_of_the_serving_model(client, registry):
    body = client.get("/v1/model").json()
    assert body["version"] == registry.current_version()
    assert body["data"]["examples"] == 50
    assert "scikit-learn" in body["libraries"]


def test_models_lists_every_version_and_marks_current_and_serving(client, registry, tiny_trained):
    other = registry.publish(tiny_trained, promote=False)
    body = client.get("/v1/models").json()
    assert body["current"] == body["serving"] == registry.current_version()
    by_version = {m["version"]: m for m in body["models"]}
    assert by_version[other]["current"] is False and by_version[other]["serving"] is False
    assert by_version[body["current"]]["serving"] is True


def test_unknown_route_is_404_in_the_error_shape(client):
    assert_error(client.get("/v1/nothing"), 404, "not_found")


def test_wrong_method_is_405_in_the_error_shape(client):
    assert_error(client.get("/v1/classify"), 405, "method_not_allowed")


def test_openapi_documents_every_endpoint_with_examples(client):
    schema = client.get("/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/v1/classify",
        "/v1/classify/batch",
        "/v1/labels",
        "/v1/labels/{label_id}",
        "/v1/model",
        "/v1/models",
        "/healthz",
        "/readyz",
        "/metrics",
    } <= paths
    request = schema["components"]["schemas"]["ClassifyRequest"]
    assert request["examples"]
