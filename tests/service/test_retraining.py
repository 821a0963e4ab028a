import io
import json
import time

import pytest
from fastapi.testclient import TestClient

from classifier.taxonomy import LABELS
from service.app import create_app
from tests.service.conftest import ADMIN_TOKEN, assert_error, make_settings
from tests.service.test_cli import shuffled_rows

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def jsonl(rows) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def wait_for_job(client, job_id, timeout=120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=AUTH).json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def wait_for_version(client, version, timeout=5) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").json()["model_version"] == version:
            return
        time.sleep(0.05)
    raise AssertionError(f"{version} was not picked up")


STATE_CHANGING = [
    ("post", "/v1/feedback", {"json": {"text": "robot", "label": "physical"}}),
    ("get", "/v1/feedback", {}),
    ("post", "/v1/train", {"data": {"use_feedback": "false"}}),
    ("post", "/v1/models/20200101T000000Z-abcdef/promote", {}),
    ("post", "/v1/models/rollback", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), STATE_CHANGING)
def test_without_a_configured_token_state_changing_endpoints_are_403(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert_error(response, 403, "disabled", "AI_STAGE_ADMIN_TOKEN")


@pytest.mark.parametrize(("method", "path", "kwargs"), STATE_CHANGING)
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {ADMIN_TOKEN}", "Bearer"])
def test_missing_or_wrong_token_is_401_and_never_echoed(admin, method, path, kwargs, header):
    headers = {"Authorization": header} if header else {}
    response = getattr(admin, method)(path, headers=headers, **kwargs)
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert ADMIN_TOKEN not in response.text and "wrong-token" not in response.text


def test_feedback_is_stored_and_listed_in_pages(admin):
    for i in range(3):
        response = admin.post(
            "/v1/feedback",
            json={
                "text": f"Lawn robot {i} mows around beds",
                "label": "physical",
                "predicted": "perception",
            },
            headers=AUTH,
        )
        assert response.status_code == 201
    page = admin.get("/v1/feedback", params={"limit": 2, "offset": 1}, headers=AUTH).json()
    assert page["total"] == 3 and [i["text"] for i in page["items"]] == [
        "Lawn robot 1 mows around beds",
        "Lawn robot 2 mows around beds",
    ]


def test_feedback_with_an_unknown_label_is_422(admin):
    response = admin.post("/v1/feedback", json={"text": "robot", "label": "robotics"}, headers=AUTH)
    error = assert_error(response, 422, "invalid_request")
    assert error["details"][0]["field"] == "label"


def test_correction_is_used_by_a_training_job_that_gets_promoted_and_served(admin, registry):
    before = registry.current_version()
    admin.post(
        "/v1/feedback",
        json={"text": "Lawn robot that maps the garden", "label": "physical"},
        headers=AUTH,
    )
    accepted = admin.post("/v1/train", data={"use_feedback": "true"}, headers=AUTH)
    assert accepted.status_code == 202
    job = wait_for_job(admin, accepted.json()["id"])
    assert job["state"] == "succeeded", job
    assert job["result"]["examples"] == 51
    assert job["result"]["gate"]["passed"] is True
    new_version = job["result"]["version"]
    assert new_version != before and registry.current_version() == new_version
    wait_for_version(admin, new_version)
    body = admin.post("/v1/classify", json={"text": "robot arm"}).json()
    assert body["model_version"] == new_version


def test_worse_candidate_is_rejected_and_the_old_model_keeps_answering(admin, registry):
    before = registry.current_version()
    upload = {
        "file": ("shuffled.jsonl", io.BytesIO(jsonl(shuffled_rows())), "application/x-ndjson")
    }
    accepted = admin.post("/v1/train", files=upload, data={"include_base": "false"}, headers=AUTH)
    job = wait_for_job(admin, accepted.json()["id"])
    assert job["state"] == "rejected", job
    assert any("below the current" in r for r in job["result"]["gate"]["reasons"])
    assert (
        job["result"]["gate"]["current"]["macro_f1"]
        > job["result"]["gate"]["candidate"]["macro_f1"]
    )
    assert registry.current_version() == before and len(registry.versions()) == 1
    assert admin.post("/v1/classify", json={"text": "robot"}).json()["model_version"] == before


def test_a_second_training_job_while_one_runs_is_409(admin):
    first = admin.post("/v1/train", headers=AUTH)
    assert first.status_code == 202
    assert_error(admin.post("/v1/train", headers=AUTH), 409, "job_conflict", "still running")
    wait_for_job(admin, first.json()["id"])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "bad.jsonl",
            b'{"text": "ok", "label": "robotics"}\n',
            "bad.jsonl:1: unknown label 'robotics'",
        ),
        ("bad.jsonl", b'{"text": "ok", "label": "none"}\n{"text": \n', "bad.jsonl:2: invalid JSON"),
        ("bad.jsonl", b'{"text": "  ", "label": "none"}\n', "bad.jsonl:1: 'text' is empty"),
        ("bad.csv", b"body,stage\nrobot,physical\n", "bad.csv:1: CSV header lacks column(s)"),
        ("bad.jsonl", "caf\xe9".encode("latin-1"), "bad.jsonl: not UTF-8"),
    ],
)
def test_bad_uploads_are_rejected_by_line_before_any_job(admin, registry, name, content, expected):
    response = admin.post("/v1/train", files={"file": (name, io.BytesIO(content))}, headers=AUTH)
    error = assert_error(response, 422, "invalid_dataset")
    assert any(d.startswith(expected) for d in error["details"]), error
    assert len(registry.versions()) == 1


def test_upload_lists_every_problem(admin):
    content = b'{"text": "a", "label": "x"}\nnot json\n{"label": "none"}\n'
    response = admin.post(
        "/v1/train", files={"file": ("many.jsonl", io.BytesIO(content))}, headers=AUTH
    )
    details = assert_error(response, 422, "invalid_dataset")["details"]
    assert [d.split(":")[1] for d in details] == ["1", "2", "3"]


def test_upload_with_too_many_lines_is_413(registry, tiny_data_dir):
    settings = make_settings(
        registry, tiny_data_dir, admin_token=ADMIN_TOKEN, max_upload_examples=10
    )
    with TestClient(create_app(settings)) as client:
        content = b'{"text": "robot", "label": "physical"}\n' * 50
        response = client.post(
            "/v1/train", files={"file": ("big.jsonl", io.BytesIO(content))}, headers=AUTH
        )
        assert_error(response, 413, "too_large", "AI_STAGE_MAX_UPLOAD_EXAMPLES")


def test_promote_and_rollback_over_http(admin, registry, tiny_trained):
    first = registry.current_version()
    second = registry.publish(tiny_trained, promote=False)
    response = admin.post(f"/v1/models/{second}/promote", headers=AUTH)
    assert response.json() == {"current": second, "serving": second}
    assert admin.post("/v1/classify", json={"text": "robot"}).json()["model_version"] == second
    response = admin.post("/v1/models/rollback", headers=AUTH)
    assert response.json() == {"current": first, "serving": first}
    assert_error(
        admin.post("/v1/models/rollback", headers=AUTH), 404, "model_not_found", "no earlier"
    )


def test_promoting_a_tampered_model_is_refused(admin, registry, tiny_trained):
    before = registry.current_version()
    other = registry.publish(tiny_trained, promote=False)
    (registry.root / other / "model.joblib").write_bytes(b"tampered")
    assert_error(admin.post(f"/v1/models/{other}/promote", headers=AUTH), 409, "model_integrity")
    assert registry.current_version() == before


@pytest.mark.parametrize("version", ["..%2F..%2Fetc", "20200101T000000Z-abcdef", "latest"])
def test_promoting_an_unknown_or_hostile_version_is_404(admin, version):
    response = admin.post(f"/v1/models/{version}/promote", headers=AUTH)
    assert response.status_code == 404
    assert response.json()["error"]["code"] in ("model_not_found", "not_found")


def test_unknown_job_is_404(admin):
    assert_error(admin.get("/v1/jobs/nope", headers=AUTH), 404, "job_not_found")


def test_job_status_reports_progress_fields(admin):
    job_id = admin.post("/v1/train", headers=AUTH).json()["id"]
    job = admin.get(f"/v1/jobs/{job_id}", headers=AUTH).json()
    assert job["state"] in ("queued", "running", "succeeded") and 0 <= job["progress"] <= 1
    done = wait_for_job(admin, job_id)
    assert done["progress"] == 1.0 and set(done["result"]["cross_validation"]["per_label"]) == set(
        LABELS
    )
