"""The security review's findings (issue 14), each held by a test that failed before the fix."""

from __future__ import annotations

import csv
import io
import json
import time

from fastapi.testclient import TestClient

from service.app import create_app
from tests.service.conftest import ADMIN_TOKEN, assert_error, make_settings

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class CountingStream:
    """A request body that records how much of it the server pulled."""

    def __init__(self, head: bytes, chunks: int, chunk: bytes) -> None:
        self.head, self.chunks, self.chunk, self.sent = head, chunks, chunk, 0

    def __iter__(self):
        yield self.head
        for _ in range(self.chunks):
            self.sent += len(self.chunk)
            yield self.chunk


def test_junk_batch_is_refused_fast_with_a_small_body(client):
    junk = json.dumps({"items": [0] * 2_000_000})  # ~6 MB, under the body limit
    started = time.perf_counter()
    response = client.post(
        "/v1/classify/batch", content=junk, headers={"content-type": "application/json"}
    )
    elapsed = time.perf_counter() - started
    error = assert_error(response, 422, "invalid_request", "items")
    assert "at most 10,000" in error["message"]
    assert len(response.content) < 2_000
    assert elapsed < 5  # took 70-80 s with a 430 MB answer before the fix


def test_every_error_lists_at_most_twenty_details_and_counts_the_rest(client):
    response = client.post("/v1/classify/batch", json={"items": [0] * 500})
    error = assert_error(response, 422, "invalid_request")
    assert len(error["details"]) == 20
    assert error["more_details"] == 480


def test_upload_without_token_is_refused_before_the_body_is_read(admin):
    for path in ("/v1/tag-jobs", "/v1/train"):
        body = CountingStream(
            b"--b\r\nContent-Disposition: form-data; name=file; filename=a.jsonl\r\n\r\n",
            64,
            b'{"text": "x"}\n' * 4096,
        )
        response = admin.post(
            path, content=body, headers={"content-type": "multipart/form-data; boundary=b"}
        )
        assert_error(response, 401, "unauthorized")
        assert body.sent < 1_000_000, f"{path} read {body.sent:,} bytes before refusing"


def test_upload_is_refused_before_reading_when_no_token_is_configured(client):
    body = CountingStream(b"--b\r\n", 64, b"x" * 65536)
    response = client.post(
        "/v1/tag-jobs", content=body, headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert_error(response, 403, "disabled")
    assert body.sent < 1_000_000


def test_multipart_upload_takes_one_file(admin):
    files = [("file", (f"f{i}.jsonl", b'{"text": "a", "id": "1"}\n')) for i in range(3)]
    response = admin.post("/v1/tag-jobs", files=files, headers=AUTH)
    assert 400 <= response.status_code < 500
    assert set(response.json()) == {"error"}


def test_multipart_form_fields_are_few_and_small(admin):
    data = {f"field{i}": "x" for i in range(40)}
    files = {"file": ("a.jsonl", b'{"text": "a", "id": "1"}\n')}
    response = admin.post("/v1/tag-jobs", files=files, data=data, headers=AUTH)
    assert 400 <= response.status_code < 500
    big = {"text_field": "x" * 100_000}
    response = admin.post("/v1/tag-jobs", files=files, data=big, headers=AUTH)
    assert 400 <= response.status_code < 500


def test_settings_cannot_raise_the_hard_batch_limit(registry, tiny_data_dir):
    import pydantic
    import pytest

    with pytest.raises(pydantic.ValidationError):
        make_settings(registry, tiny_data_dir, max_batch_items=1_000_000)
    with TestClient(create_app(make_settings(registry, tiny_data_dir))):
        pass


# -- 3. texts in the manifest ------------------------------------------------------------------


def _published_with_mistakes(registry, tiny_trained, tiny_dataset):
    """A version whose manifest lists mistakes (texts), like any model trained on real data."""
    from dataclasses import replace

    from classifier.evaluation import Misclassified, evaluate_model

    secret = "Customer correction: our confidential supplier list is on page 4"
    report = evaluate_model(tiny_trained.classifier, tiny_dataset, "holdout")
    mistake = Misclassified("f1", secret, "none", "agentic", 0.9, "en")
    trained = replace(tiny_trained, holdout=replace(report, misclassified=[mistake]))
    return registry.publish(trained, promote=True), secret


def test_model_manifest_shows_no_texts_without_the_token(
    admin, registry, tiny_trained, tiny_dataset
):
    version, secret = _published_with_mistakes(registry, tiny_trained, tiny_dataset)
    admin.app.state.holder.refresh()
    anonymous = admin.get("/v1/model")
    assert anonymous.status_code == 200 and anonymous.json()["version"] == version
    assert secret not in anonymous.text and "misclassified" not in anonymous.text
    holder_of_token = admin.get("/v1/model", headers=AUTH)
    assert secret in holder_of_token.text


# -- 7, 8, 9. loading, rollback, the refresh race ----------------------------------------------


def _forge(registry, version: str, artifact: bytes = b"", **libraries: str) -> None:
    """Replace a version's artifact and fix up its manifest so the checksum still matches."""
    from classifier.persistence import sha256_of

    folder = registry.root / version
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if artifact:
        (folder / "model.joblib").write_bytes(artifact)
        manifest["artifact"]["sha256"] = sha256_of(folder / "model.joblib")
        manifest["artifact"]["bytes"] = len(artifact)
    manifest["libraries"].update(libraries)
    manifest_path.write_text(json.dumps(manifest))


def test_promoting_a_non_pickle_with_a_matching_checksum_is_409_not_500(
    admin, registry, tiny_trained
):
    serving = admin.get("/readyz").json()["model_version"]
    bad = registry.publish(tiny_trained, promote=False)
    _forge(registry, bad, artifact=b"PK\x03\x04 this is a zip, not a pickle")
    response = admin.post(f"/v1/models/{bad}/promote", headers=AUTH)
    assert_error(response, 409, "model_integrity")
    assert registry.current_version() == serving
    assert "/" not in response.json()["error"]["message"]  # no server paths


def test_the_watcher_survives_a_model_that_will_not_load(client, registry, tiny_trained):
    serving = client.get("/readyz").json()["model_version"]
    bad = registry.publish(tiny_trained, promote=False)
    _forge(registry, bad, artifact=b"\x80\x04K\x01.trailing junk that is no pipeline")
    registry._write_pointer({"version": bad, "history": [serving]})  # another process did it
    time.sleep(0.4)
    assert client.get("/readyz").json()["model_version"] == serving
    good = registry.publish(tiny_trained, promote=True)
    deadline = time.monotonic() + 5
    while client.get("/readyz").json()["model_version"] != good:
        assert time.monotonic() < deadline, "the watcher stopped following CURRENT"
        time.sleep(0.1)


def test_models_from_other_numpy_or_python_versions_are_refused(registry, tiny_trained):
    import pytest

    from classifier.errors import ModelIntegrityError

    for library, version in (("numpy", "1.21.0"), ("python", "3.8.10")):
        other = registry.publish(tiny_trained, promote=False)
        _forge(registry, other, **{library: version})
        with pytest.raises(ModelIntegrityError, match=library):
            registry.load(other)


def test_rollback_to_a_tampered_version_is_refused_and_current_stays(admin, registry, tiny_trained):
    first = registry.current_version()
    second = registry.publish(tiny_trained, promote=True)
    (registry.root / first / "model.joblib").write_bytes(b"tampered")
    response = admin.post("/v1/models/rollback", headers=AUTH)
    assert_error(response, 409, "model_integrity")
    assert registry.current_version() == second


def test_cli_rollback_verifies_its_target_too(registry, tiny_trained):
    from service.cli import main

    first = registry.current_version()
    second = registry.publish(tiny_trained, promote=True)
    (registry.root / first / "model.joblib").write_bytes(b"tampered")
    assert main(["--models-dir", str(registry.root), "models", "rollback"]) == 2
    assert registry.current_version() == second


def test_a_slow_load_never_brings_back_a_model_that_was_rolled_back(registry, tiny_trained):
    from service.holder import ModelHolder

    holder = ModelHolder(registry)
    holder.load_current()
    old = holder.current().version
    newer = registry.publish(tiny_trained, promote=True)
    real_load = registry.load

    def load_while_someone_rolls_back(version=None):
        loaded = real_load(version)
        registry.rollback()  # lands while the watcher is still loading `newer`
        return loaded

    registry.load = load_while_someone_rolls_back
    assert holder.refresh() is False
    assert holder.current().version == old
    assert registry.current_version() == old != newer


def test_promote_unpickles_the_model_once(admin, registry, tiny_trained, monkeypatch):
    import joblib

    newer = registry.publish(tiny_trained, promote=False)
    calls = []
    real = joblib.load
    monkeypatch.setattr(joblib, "load", lambda *a, **k: calls.append(a) or real(*a, **k))
    response = admin.post(f"/v1/models/{newer}/promote", headers=AUTH)
    assert response.status_code == 200 and response.json()["serving"] == newer
    assert len(calls) == 1


# -- 4, 6, 10, 11, 12. jobs: the token, bombs, odd records, paths, clean-up ---------------------


def _tag_job(admin, name: str, content: bytes, **data: str) -> dict:
    from tests.service.test_retraining import wait_for_job

    accepted = admin.post("/v1/tag-jobs", files={"file": (name, content)}, data=data, headers=AUTH)
    assert accepted.status_code == 202, accepted.text
    return wait_for_job(admin, accepted.json()["id"])


def _records(count: int) -> bytes:
    return b"".join(b'{"id": "%d", "text": "robot arm %d"}\n' % (i, i) for i in range(count))


def _admin_with(registry, tiny_data_dir, **settings):
    return TestClient(
        create_app(make_settings(registry, tiny_data_dir, admin_token=ADMIN_TOKEN, **settings))
    )


def test_job_status_and_results_need_the_token(admin):
    job = _tag_job(admin, "a.jsonl", b'{"id": "1", "text": "robot arm picks parts"}\n')
    assert_error(admin.get(f"/v1/jobs/{job['id']}"), 401, "unauthorized")
    assert_error(admin.get(f"/v1/tag-jobs/{job['id']}/result"), 401, "unauthorized")
    assert admin.get(f"/v1/tag-jobs/{job['id']}/result", headers=AUTH).status_code == 200


def test_gzip_bomb_stops_the_job_with_a_clear_message(registry, tiny_data_dir):
    import gzip

    bomb = gzip.compress(b'{"text": "x"}\n' * 2_000_000)  # ~28 MB from a few tens of KB
    assert len(bomb) < 200_000
    with _admin_with(registry, tiny_data_dir, tag_max_input_bytes=1_000_000) as admin:
        job = _tag_job(admin, "bomb.jsonl.gz", bomb)
    assert job["state"] == "failed"
    assert "over the limit of 1,000,000 bytes (after decompression)" in job["message"]


def test_output_cap_stops_a_job_that_would_write_too_much(registry, tiny_data_dir):
    lines = _records(3000)
    with _admin_with(registry, tiny_data_dir, tag_max_output_bytes=20_000) as admin:
        job = _tag_job(admin, "many.jsonl", lines)
    assert job["state"] == "failed" and "output is over the limit of 20,000 bytes" in job["message"]


def test_odd_records_become_per_record_errors_and_the_rest_is_tagged(registry, tiny_data_dir):
    records = [
        b'{"id": "ok1", "text": "a robot arm that picks parts"}',
        b'{"id": "big", "text": 1' + b"0" * 5000 + b"}",
        b"[" * 100_000,
        b'{"id": "long", "text": "' + b"y" * 300_000 + b'"}',
        b'{"id": "ok2", "text": "speech to text for meetings"}',
    ]
    with _admin_with(registry, tiny_data_dir, tag_max_line_chars=100_000) as admin:
        job = _tag_job(admin, "odd.jsonl", b"\n".join(records) + b"\n")
        assert job["state"] == "succeeded", job
        rows = admin.get(f"/v1/tag-jobs/{job['id']}/result", headers=AUTH).text.splitlines()
    rows = [json.loads(r) for r in rows]
    assert [r.get("label") is not None for r in rows] == [True, False, False, False, True]
    assert "line 2: unreadable JSON" in rows[1]["error"]
    assert "line 4: line is over 100,000 characters" in rows[3]["error"]


def test_csv_tag_job_survives_a_bare_carriage_return_and_a_huge_field(admin):
    content = (
        b'id,text\n1,"robot arm"\n2,speech\rto text\n3,"'
        + b"z" * (17 * 1024 * 1024)
        + b'"\n4,drone that inspects pipelines\n'
    )
    job = _tag_job(admin, "odd.csv", content)
    assert job["state"] == "succeeded", job
    rows = list(
        csv.DictReader(
            io.StringIO(admin.get(f"/v1/tag-jobs/{job['id']}/result", headers=AUTH).text)
        )
    )
    assert rows[-1]["text"] == "drone that inspects pipelines" and rows[-1]["label"]
    assert any("unreadable CSV row" in r["error"] for r in rows)


def test_odd_training_uploads_are_422_naming_the_line_never_500(admin):
    uploads = {
        "cr.csv": b"text,label\nhello\rworld,none\n",
        "digits.jsonl": b'{"text": 1' + b"0" * 5000 + b', "label": "none"}\n',
        "nested.jsonl": b"[" * 100_000 + b"\n",
        "field.csv": b'text,label\n"' + b"q" * (17 * 1024 * 1024) + b'",none\n',
    }
    for name, content in uploads.items():
        response = admin.post("/v1/train", files={"file": (name, content)}, headers=AUTH)
        error = assert_error(response, 422, "invalid_dataset")
        assert any(f"{name}:" in d for d in error["details"]), (name, error)


def test_a_job_over_its_time_limit_is_stopped(registry, tiny_data_dir):
    lines = _records(50_000)
    with _admin_with(registry, tiny_data_dir, job_timeout_seconds=0.3) as admin:
        job = _tag_job(admin, "slow.jsonl", lines)
    assert job["state"] == "failed" and "ran over its limit of 0.3 s" in job["message"]


def test_delete_cancels_a_running_job_and_stops_its_process(registry, tiny_data_dir):
    from classifier.processes import process_alive
    from service.store import Store

    lines = _records(400_000)
    with _admin_with(registry, tiny_data_dir) as admin:
        accepted = admin.post(
            "/v1/tag-jobs", files={"file": ("big.jsonl", lines)}, headers=AUTH
        ).json()
        store = Store(admin.app.state.settings.database)
        deadline = time.monotonic() + 30
        while store.job(accepted["id"]).state != "running":
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        pid = store.job(accepted["id"]).pid
        assert pid is not None and process_alive(pid)
        assert_error(admin.delete(f"/v1/jobs/{accepted['id']}"), 401, "unauthorized")
        cancelled = admin.delete(f"/v1/jobs/{accepted['id']}", headers=AUTH)
        assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
        deadline = time.monotonic() + 10
        while process_alive(pid):
            assert time.monotonic() < deadline, "the job's process is still running"
            time.sleep(0.05)
        after = admin.get(f"/v1/jobs/{accepted['id']}", headers=AUTH).json()
        assert after["state"] == "cancelled"
        result = admin.get(f"/v1/tag-jobs/{accepted['id']}/result", headers=AUTH)
        assert_error(result, 409, "job_not_finished")
        again = admin.delete(f"/v1/jobs/{accepted['id']}", headers=AUTH)
        assert_error(again, 409, "job_conflict")


def test_answers_never_show_server_paths(admin, registry, tiny_trained):
    responses = [
        admin.get("/v1/jobs/0123456789abcdef0123456789abcdef", headers=AUTH),
        admin.post("/v1/models/20990101T000000Z-abcdef/promote", headers=AUTH),
        admin.post(
            "/v1/train",
            files={"file": ("bad.jsonl", b'{"text": "x", "label": "nope"}\n')},
            headers=AUTH,
        ),
    ]
    for response in responses:
        assert 400 <= response.status_code < 500
        assert str(registry.root.parent) not in response.text, response.text


def test_failed_job_records_hold_no_paths(admin, registry):
    job = _tag_job(admin, "broken.csv", b"no_text_column\nx\n")
    assert job["state"] == "failed"
    assert "/" not in job["message"], job["message"]


def test_old_jobs_and_their_files_are_removed(registry, tiny_data_dir):
    from service.jobs import job_files
    from service.store import Store

    with _admin_with(registry, tiny_data_dir, keep_jobs_seconds=0, keep_jobs=1) as admin:
        first = _tag_job(admin, "a.jsonl", b'{"id": "1", "text": "robot arm"}\n')
        store = Store(admin.app.state.settings.database)
        first_files = job_files(store, store.job(first["id"]))
        assert first_files  # upload, result and log exist while the job is the newest
        second = _tag_job(admin, "b.jsonl", b'{"id": "2", "text": "speech to text"}\n')
        time.sleep(0.2)
        assert second["state"] == "succeeded"
        assert_error(admin.get(f"/v1/jobs/{first['id']}", headers=AUTH), 404, "job_not_found")
        assert not [p for p in first_files if p.exists()]


# -- 13. headers and server limits -------------------------------------------------------------


def test_responses_carry_security_headers_and_the_page_a_csp(client):
    page = client.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    api = client.post("/v1/classify", json={"text": "robot arm"})
    for response in (page, api):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_serve_passes_connection_limits_to_uvicorn(monkeypatch, tmp_path, registry):
    import os

    import uvicorn

    from service import server

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: seen.update(k))
    monkeypatch.setattr(os, "environ", dict(os.environ))  # serve() exports its settings
    monkeypatch.setenv("AI_STAGE_LIMIT_CONCURRENCY", "7")
    monkeypatch.setenv("AI_STAGE_TIMEOUT_KEEP_ALIVE", "3")
    assert server.serve(models_dir=str(registry.root), database=str(tmp_path / "x.db")) == 0
    assert seen["limit_concurrency"] == 7 and seen["timeout_keep_alive"] == 3
    assert seen["h11_max_incomplete_event_size"] == 64 * 1024


# -- 14. one input rule for every entry point --------------------------------------------------


def test_every_scoring_entry_point_refuses_a_bare_string(tiny_classifier):
    import pytest

    from classifier.errors import InvalidInputError

    for method in (
        tiny_classifier.predict,
        tiny_classifier.predict_proba,
        tiny_classifier.decision_function,
        tiny_classifier.pipeline_predict_proba,
    ):
        with pytest.raises(InvalidInputError, match="single string"):
            method("a robot arm")


# -- from the code review of this change -----------------------------------------------------


def test_an_empty_admin_token_enables_nothing(registry, tiny_data_dir, monkeypatch):
    monkeypatch.setenv("AI_STAGE_ADMIN_TOKEN", "")
    from service.config import Settings

    settings = Settings(models_dir=registry.root, data_dir=tiny_data_dir, train_if_empty=False)
    with TestClient(create_app(settings)) as anyone:
        for headers in ({"Authorization": "Bearer"}, {"Authorization": "Bearer "}, {}):
            response = anyone.post("/v1/models/rollback", headers=headers)
            assert_error(response, 403, "disabled")


def test_training_upload_errors_name_files_not_server_folders(admin, registry):
    rows = b'{"id": "a", "text": "robot arm", "label": "physical"}\n' * 2
    response = admin.post("/v1/train", files={"file": ("dup.jsonl", rows)}, headers=AUTH)
    error = assert_error(response, 422, "invalid_dataset")
    assert any("already used" in d for d in error["details"])
    assert str(registry.root.parent) not in response.text and "/uploads/" not in response.text


def test_a_job_row_from_an_older_version_is_404_not_500(admin):
    from service.store import Store

    store = Store(admin.app.state.settings.database)
    store.create_job("ab" * 16, "tag", {"input": "x", "output": "y"}, exclusive=False)
    store.update_job("ab" * 16, state="succeeded")
    assert_error(admin.get(f"/v1/tag-jobs/{'ab' * 16}/result", headers=AUTH), 404, "job_not_found")


def test_a_too_long_line_ending_in_a_bare_carriage_return_loses_no_other_record(tmp_path):
    from classifier.batch.readers import InputSpec, ReadLimits, RecordReader

    source = tmp_path / "cr.jsonl"
    source.write_bytes(
        b'{"id": "1", "text": "first"}\r'
        + b'{"id": "2", "text": "'
        + b"x" * 500
        + b'"}\r'
        + b'{"id": "3", "text": "third"}\r'
        + b'{"id": "4", "text": "fourth"}\r'
    )
    records = list(RecordReader(InputSpec(source, limits=ReadLimits(max_line_chars=100))))
    assert [r.text for r in records] == ["first", None, "third", "fourth"]
    assert "over 100 characters" in records[1].error
