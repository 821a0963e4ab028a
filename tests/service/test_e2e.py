"""The real server, started as a user would (`ai-stage serve`), and the page in a real browser."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest

from classifier.taxonomy import LABELS
from tests.service.live import headless_chromium, running_server

pytestmark = pytest.mark.e2e

TOKEN = "e2e-token-5b1c"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, tiny_data_dir) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("live"), tiny_data_dir, TOKEN) as (base, _models):
        yield base


def test_real_server_trains_on_first_start_and_classifies_english_and_chinese(live_server):
    texts = {
        "Humanoid robot that unloads boxes from trucks in warehouses.": "physical",
        "語音辨識引擎，把會議錄音轉成逐字稿。": "perception",
        "智能体自主调用企业系统的 API，完成报销审批的整个流程。": "agentic",
    }
    with httpx.Client(base_url=live_server, timeout=10) as http:
        version = http.get("/readyz").json()["model_version"]
        for text, expected in texts.items():
            body = http.post("/v1/classify", json={"text": text, "explain": True}).json()
            assert body["label"] == expected, (text, body)
            assert list(body["scores"]) == list(LABELS)
            assert body["model_version"] == version
        batch = http.post("/v1/classify/batch", json={"items": [{"text": t} for t in texts]}).json()
        assert [r["label"] for r in batch["results"]] == list(texts.values())
        error = http.post("/v1/classify", json={"text": ""})
        assert error.status_code == 422 and error.json()["error"]["code"] == "invalid_input"


def test_every_worker_serves_the_same_version(live_server):
    with httpx.Client(base_url=live_server, timeout=10) as http:
        versions = {
            http.post("/v1/classify", json={"text": "robot"}).json()["model_version"]
            for _ in range(20)
        }
    assert len(versions) == 1


def versions_seen(http: httpx.Client, requests: int = 30) -> set[str]:
    return {
        http.post("/v1/classify", json={"text": "robot"}).json()["model_version"]
        for _ in range(requests)
    }


def wait_all_workers_serve(http: httpx.Client, version: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if versions_seen(http) == {version}:
            return
        time.sleep(0.2)
    raise AssertionError(f"not every worker serves {version}: {versions_seen(http)}")


def test_retrain_with_a_correction_promote_and_roll_back_on_two_workers(live_server):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=live_server, timeout=10) as http:
        before = http.get("/v1/model").json()["version"]
        assert (
            http.post("/v1/feedback", json={"text": "robot", "label": "physical"}).status_code
            == 401
        )
        posted = http.post(
            "/v1/feedback",
            json={"text": "Lawn robot that maps the garden", "label": "physical"},
            headers=auth,
        )
        assert posted.status_code == 201
        accepted = http.post("/v1/train", data={"use_feedback": "true"}, headers=auth)
        assert accepted.status_code == 202
        assert http.post("/v1/train", headers=auth).status_code == 409
        deadline = time.monotonic() + 120
        while (job := http.get(accepted.json()["status_url"], headers=auth).json())["state"] in (
            "queued",
            "running",
        ):
            assert time.monotonic() < deadline, job
            time.sleep(0.3)
        assert job["state"] == "succeeded", job
        new = job["result"]["version"]
        wait_all_workers_serve(http, new)
        rolled = http.post("/v1/models/rollback", headers=auth).json()
        assert rolled["current"] == before
        wait_all_workers_serve(http, before)
        metrics = http.get("/metrics").text
        assert "ai_stage_model_info{pid=" in metrics and before in metrics


def test_page_in_a_real_browser_shows_stage_bars_and_highlights(live_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    with headless_chromium(tmp_path / "profile") as driver:
        driver.get(live_server + "/")
        wait = WebDriverWait(driver, 20)
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".stage-def")))
        assert len(driver.find_elements(By.CSS_SELECTOR, ".stage-def")) == 5
        driver.find_element(By.ID, "text").send_keys(
            "Humanoid robot that unloads boxes from trucks."
        )
        driver.find_element(By.ID, "classify").click()
        wait.until(ec.visibility_of_element_located((By.ID, "result")))
        assert driver.find_element(By.ID, "stage").text.lower() == "physical"
        confidence = driver.find_element(By.ID, "confidence").text
        assert re.fullmatch(r"(>99|<1|[1-9]\d?)% confident", confidence), confidence
        bars = driver.find_elements(By.CSS_SELECTOR, ".bar-fill")
        assert [b.get_attribute("data-label") for b in bars] == list(LABELS)
        widest = max(bars, key=lambda b: float(b.value_of_css_property("width").rstrip("px")))
        assert widest.get_attribute("data-label") == "physical"
        assert driver.find_elements(By.CSS_SELECTOR, "#highlighted mark")
        driver.find_element(By.CSS_SELECTOR, ".lang-switch [data-lang='zh-Hant']").click()
        wait.until(lambda d: "感知 AI" in d.find_element(By.ID, "definitions").text)
        if os.environ.get("AI_STAGE_SCREENSHOT"):
            driver.save_screenshot(os.environ["AI_STAGE_SCREENSHOT"])
