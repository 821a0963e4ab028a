import csv
import io
import json

from fastapi.testclient import TestClient

from service.app import create_app
from tests.service.conftest import ADMIN_TOKEN, assert_error, make_settings
from tests.service.test_retraining import AUTH, wait_for_job

NEWS = [
    {"id": "a", "text": "Humanoid robot unloads boxes from trucks.", "outlet": "Wire"},
    {"id": "b", "text": "語音辨識引擎，把會議錄音轉成逐字稿。"},
    {"id": "c"},
]


def upload(name: str, content: bytes) -> dict:
    return {"file": (name, io.BytesIO(content))}


def test_jsonl_tag_job_end_to_end(admin, registry):
    content = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in NEWS).encode()
    accepted = admin.post("/v1/tag-jobs", files=upload("news.jsonl", content), headers=AUTH)
    assert accepted.status_code == 202
    job = wait_for_job(admin, accepted.json()["id"])
    assert job["state"] == "succeeded" and job["kind"] == "tag"
    assert job["result"]["records"] == 3 and job["result"]["errors"] == 1
    result = admin.get(f"/v1/tag-jobs/{job['id']}/result", headers=AUTH)
    assert result.status_code == 200
    assert "news.tagged.jsonl" in result.headers["content-disposition"]
    rows = [json.loads(line) for line in result.text.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["label"] == "physical" and rows[0]["outlet"] == "Wire"
    assert rows[0]["model_version"] == registry.current_version()
    assert rows[2]["error"] == "line 3: field 'text' is missing"


def test_csv_tag_job_with_other_fields_and_paragraphs(admin):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["key", "headline", "body"])
    writer.writerow(
        [
            "k1",
            "Robots",
            "A humanoid robot now unloads boxes from delivery trucks all day.\n\n"
            "Separately, a speech-to-text API now transcribes call-centre recordings.",
        ]
    )
    data = {
        "text_field": "body",
        "id_field": "key",
        "title_field": "headline",
        "paragraphs": "true",
    }
    accepted = admin.post(
        "/v1/tag-jobs",
        files=upload("news.csv", buffer.getvalue().encode()),
        data=data,
        headers=AUTH,
    )
    job = wait_for_job(admin, accepted.json()["id"])
    assert job["state"] == "succeeded", job
    rows = list(
        csv.DictReader(
            io.StringIO(admin.get(f"/v1/tag-jobs/{job['id']}/result", headers=AUTH).text)
        )
    )
    assert rows[0]["key"] == "k1" and rows[0]["label"] in {"physical", "perception"}
    assert len(json.loads(rows[0]["paragraphs"])) >= 2


def test_tag_jobs_need_the_token(admin, client):
    content = b'{"text": "robot"}\n'
    assert_error(admin.post("/v1/tag-jobs", files=upload("a.jsonl", content)), 401, "unauthorized")
    assert_error(client.post("/v1/tag-jobs", files=upload("a.jsonl", content)), 403, "disabled")


def test_unsupported_file_type_is_422(admin):
    response = admin.post("/v1/tag-jobs", files=upload("notes.docx", b"x"), headers=AUTH)
    assert_error(response, 422, "invalid_input", "expected a .jsonl or .csv file")


def test_result_of_an_unfinished_job_is_409_and_of_a_training_job_404(admin):
    job = admin.post("/v1/tag-jobs", files=upload("a.jsonl", b'{"text": "robot"}\n'), headers=AUTH)
    job_id = job.json()["id"]
    early = admin.get(f"/v1/tag-jobs/{job_id}/result", headers=AUTH)
    if early.status_code != 200:  # the job may already be done on a fast machine
        assert_error(early, 409, "job_not_finished")
    wait_for_job(admin, job_id)
    train = admin.post("/v1/train", headers=AUTH).json()["id"]
    assert_error(admin.get(f"/v1/tag-jobs/{train}/result", headers=AUTH), 404, "job_not_found")
    wait_for_job(admin, train)


def test_upload_over_the_upload_limit_is_413(registry, tiny_data_dir):
    settings = make_settings(
        registry, tiny_data_dir, admin_token=ADMIN_TOKEN, max_upload_bytes=4096
    )
    with TestClient(create_app(settings)) as client:
        content = b'{"text": "robot"}\n' * 1000
        response = client.post("/v1/tag-jobs", files=upload("big.jsonl", content), headers=AUTH)
        assert_error(response, 413, "too_large", "AI_STAGE_MAX_UPLOAD_BYTES")
