"""The review queue over HTTP: capture from tag jobs and (when enabled) classify requests, list,
answer, undo, stats; the token; bad input; two reviewers on one item."""

from __future__ import annotations

import io
import json
import threading

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from tests.service.conftest import ADMIN_TOKEN, assert_error, make_settings
from tests.service.test_retraining import AUTH, wait_for_job

# The tiny test model is unsure of all of these (top scores well under 0.6).
DOUBTFUL = [
    "Pick-and-place cell sorts recycled bottles by colour on a conveyor.",
    "Spreadsheet add-on that drafts pivot tables when you describe them in plain words.",
    "Hearing aid that picks out the voice in front of you in a noisy café.",
    "会议纪要工具，录音结束就出摘要和待办清单。",
]


def tag_with_review(client: TestClient, texts: list[str]) -> dict:
    content = "".join(
        json.dumps({"id": f"n{i}", "text": t}, ensure_ascii=False) + "\n"
        for i, t in enumerate(texts)
    ).encode()
    accepted = client.post(
        "/v1/tag-jobs",
        files={"file": ("news.jsonl", io.BytesIO(content))},
        data={"review": "true"},
        headers=AUTH,
    )
    assert accepted.status_code == 202, accepted.text
    job = wait_for_job(client, accepted.json()["id"])
    assert job["state"] == "succeeded", job
    return job


@pytest.fixture()
def queued(admin) -> list[dict]:
    job = tag_with_review(admin, DOUBTFUL)
    assert job["result"]["review"] == {"doubtful": 4, "queued": 4, "dropped": 0, "too_long": 0}
    body = admin.get("/v1/review?limit=10", headers=AUTH).json()
    assert body["total"] == 4
    return body["items"]


def test_a_tag_job_with_review_queues_its_doubtful_records_with_their_source(admin, queued):
    assert sorted(i["text"] for i in queued) == sorted(DOUBTFUL)
    margins = [i["margin"] for i in queued]
    assert margins == sorted(margins)  # most doubtful first
    first = queued[0]
    assert first["source"] == "tag-job" and len(first["job_id"]) == 32
    assert first["record_id"] in {"n0", "n1", "n2", "n3"}
    assert first["status"] == "pending" and first["answer"] is None
    assert abs(sum(first["scores"].values()) - 1) < 1e-6
    assert first["predicted"] == max(first["scores"], key=first["scores"].get)


def test_the_same_texts_tagged_again_are_not_queued_twice(admin, queued):
    job = tag_with_review(admin, DOUBTFUL[:2])
    assert job["result"]["review"] == {"doubtful": 2, "queued": 0, "dropped": 0, "too_long": 0}
    assert admin.get("/v1/review", headers=AUTH).json()["total"] == 4


def test_answers_become_corrections_and_the_second_answer_is_409(admin, queued):
    item = queued[0]
    answered = admin.post(f"/v1/review/{item['id']}", json={"label": "physical"}, headers=AUTH)
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "done" and answered.json()["answer"] == "physical"
    again = admin.post(f"/v1/review/{item['id']}", json={"label": "none"}, headers=AUTH)
    assert_error(again, 409, "already_answered", "first answer stands")
    feedback = admin.get("/v1/feedback", headers=AUTH).json()
    assert [(f["text"], f["label"]) for f in feedback["items"]] == [(item["text"], "physical")]
    assert feedback["items"][0]["predicted"] == item["predicted"]
    admin.post(f"/v1/review/{queued[1]['id']}", json={"skip": True}, headers=AUTH)
    admin.post(f"/v1/review/{queued[2]['id']}", json={"not_ai_text": True}, headers=AUTH)
    stats = admin.get("/v1/review/stats", headers=AUTH).json()
    assert stats["by_status"] == {"pending": 1, "done": 2, "skipped": 1}
    assert stats["by_label"]["physical"] == 1 and stats["by_label"]["none"] == 1
    assert stats["not_ai_text"] == 1 and stats["corrections"] == 2
    done = admin.get("/v1/review?status=done", headers=AUTH).json()
    assert {i["id"] for i in done["items"]} == {queued[0]["id"], queued[2]["id"]}


def test_undo_reopens_the_item_and_removes_its_correction(admin, queued):
    item_id = queued[0]["id"]
    admin.post(f"/v1/review/{item_id}", json={"label": "agentic"}, headers=AUTH)
    undone = admin.post(f"/v1/review/{item_id}/undo", headers=AUTH)
    assert undone.status_code == 200 and undone.json()["status"] == "pending"
    assert admin.get("/v1/feedback", headers=AUTH).json()["total"] == 0
    assert_error(admin.post(f"/v1/review/{item_id}/undo", headers=AUTH), 409, "already_answered")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"label": "physical", "skip": True}, "body"),
        ({"label": "robotics"}, "label"),
        ({"skip": False}, "skip"),
        ({"skip": "yes"}, "skip"),
        ({"label": "none", "comment": "x"}, "comment"),
    ],
)
def test_bad_answers_are_422_naming_the_field(admin, queued, body, field):
    response = admin.post(f"/v1/review/{queued[0]['id']}", json=body, headers=AUTH)
    error = assert_error(response, 422, "invalid_request")
    assert error["details"][0]["field"] == field, error
    assert admin.get(f"/v1/review/{queued[0]['id']}", headers=AUTH).json()["status"] == "pending"


@pytest.mark.parametrize("item_id", ["999", "0", "-3", "abc", str(2**70)])
def test_unknown_or_malformed_ids_are_404_or_422(admin, item_id):
    response = admin.post(f"/v1/review/{item_id}", json={"label": "none"}, headers=AUTH)
    if item_id == "999":
        assert_error(response, 404, "review_item_not_found")
    else:
        assert_error(response, 422, "invalid_request")


def test_bad_list_parameters_are_422(admin):
    for query in ("status=answered", "limit=0", "limit=101", "offset=-1"):
        assert_error(admin.get(f"/v1/review?{query}", headers=AUTH), 422, "invalid_request")


REVIEW_ENDPOINTS = [
    ("get", "/v1/review", {}),
    ("get", "/v1/review/stats", {}),
    ("get", "/v1/review/1", {}),
    ("post", "/v1/review/1", {"json": {"label": "none"}}),
    ("post", "/v1/review/1/undo", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), REVIEW_ENDPOINTS)
def test_every_review_endpoint_needs_the_token(admin, client, method, path, kwargs):
    assert_error(getattr(admin, method)(path, **kwargs), 401, "unauthorized")
    wrong = {"Authorization": "Bearer not-it"}
    assert_error(getattr(admin, method)(path, headers=wrong, **kwargs), 401, "unauthorized")
    assert_error(getattr(client, method)(path, **kwargs), 403, "disabled")


def test_two_reviewers_answering_one_item_get_one_200_and_one_409(admin, queued):
    item_id = queued[0]["id"]
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def answer(label: str) -> None:
        barrier.wait()
        response = admin.post(f"/v1/review/{item_id}", json={"label": label}, headers=AUTH)
        statuses[label] = response.status_code

    threads = [threading.Thread(target=answer, args=(label,)) for label in ("agentic", "none")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses.values()) == [200, 409]
    winner = next(label for label, status in statuses.items() if status == 200)
    assert admin.get(f"/v1/review/{item_id}", headers=AUTH).json()["answer"] == winner
    feedback = admin.get("/v1/feedback", headers=AUTH).json()["items"]
    assert [f["label"] for f in feedback] == [winner]


def test_classify_requests_are_not_stored_unless_capture_is_on(admin):
    for text in DOUBTFUL:
        assert admin.post("/v1/classify", json={"text": text}).status_code == 200
    admin.post("/v1/classify/batch", json={"items": [{"text": t} for t in DOUBTFUL]})
    assert admin.get("/v1/review", headers=AUTH).json()["total"] == 0


def test_with_capture_on_doubtful_classify_answers_are_queued_once(registry, tiny_data_dir):
    settings = make_settings(registry, tiny_data_dir, admin_token=ADMIN_TOKEN, review_capture=True)
    with TestClient(create_app(settings)) as http:
        http.post("/v1/classify", json={"text": DOUBTFUL[0]})
        http.post("/v1/classify", json={"text": DOUBTFUL[0]})
        http.post("/v1/classify/batch", json={"items": [{"text": t} for t in DOUBTFUL]})
        body = http.get("/v1/review?limit=50", headers=AUTH).json()
    assert body["total"] == 4
    assert {i["source"] for i in body["items"]} == {"classify"}
    assert sorted(i["text"] for i in body["items"]) == sorted(DOUBTFUL)


def test_confident_calls_are_not_queued(registry, tiny_data_dir):
    settings = make_settings(
        registry,
        tiny_data_dir,
        admin_token=ADMIN_TOKEN,
        review_capture=True,
        review_threshold=0.0,
        review_margin=0.0,
    )
    with TestClient(create_app(settings)) as http:
        http.post("/v1/classify/batch", json={"items": [{"text": t} for t in DOUBTFUL]})
        assert http.get("/v1/review", headers=AUTH).json()["total"] == 0


def test_a_broken_database_never_fails_a_classification(registry, tiny_data_dir, caplog):
    """Capture is a side effect after the answer: the answer stands, the problem is logged."""
    settings = make_settings(registry, tiny_data_dir, admin_token=ADMIN_TOKEN, review_capture=True)
    with TestClient(create_app(settings)) as http:
        settings.database.write_bytes(b"this is not an SQLite database" * 100)
        for name in ("-wal", "-shm"):
            settings.database.with_name(settings.database.name + name).unlink(missing_ok=True)
        response = http.post("/v1/classify", json={"text": DOUBTFUL[0]})
        batch = http.post("/v1/classify/batch", json={"items": [{"text": DOUBTFUL[1]}]})
    assert response.status_code == 200 and response.json()["label"]
    assert batch.status_code == 200
    assert "review capture skipped" in caplog.text
