"""The whole review loop as a user runs it: `ai-stage tag --review` on a file, the page's Review
view in a real browser driven by the keyboard alone, then "Retrain with corrections" and the
gate's verdict on the page."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from service.review_queue import ReviewQueue
from service.store import Store
from tests.conftest import write_jsonl
from tests.service.live import ai_stage_command, headless_chromium, running_server
from tests.service.test_review_cli import KEYS, TRUTH

pytestmark = pytest.mark.e2e
TOKEN = "review-e2e-token-91c2"
# Queued texts are users' texts: markup in one must show as text, never run.
MARKUP = '<b id="injected">Robot</b> arm <img id="injected-img" src=x> sorts parcels by size.'
QUEUED = {**TRUTH, MARKUP: "physical"}


@pytest.fixture(scope="module")
def live(tmp_path_factory, tiny_data_dir) -> Iterator[tuple[str, Path, Path, Path]]:
    """(base URL, models dir, data dir, database) of a real two-worker server."""
    workdir = tmp_path_factory.mktemp("review-live")
    with running_server(workdir, tiny_data_dir, TOKEN) as (base, models):
        yield base, models, tiny_data_dir, workdir / "live.db"


def test_tag_with_review_then_settle_by_keyboard_and_retrain_from_the_page(live, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, models, data, database = live
    articles = write_jsonl(
        tmp_path / "articles.jsonl",
        [{"id": f"a{i}", "text": text} for i, text in enumerate(QUEUED)],
    )
    # The server's model is trained on fifty texts; a high threshold queues all four for sure.
    tagged = subprocess.run(
        [*ai_stage_command(), "--models-dir", str(models), "--data-dir", str(data),
         "--db", str(database), "tag", str(articles), "-o", str(tmp_path / "out.jsonl"),
         "--review", "--review-threshold", "0.95", "--quiet"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert tagged.returncode == 0, tagged.stderr
    assert "5 newly queued" in tagged.stdout

    with headless_chromium(tmp_path / "profile", window_size="1000,1250") as driver:
        driver.get(base + "/#review")
        wait = WebDriverWait(driver, 30)
        token = wait.until(ec.visibility_of_element_located((By.ID, "review-token")))
        token.send_keys(TOKEN, Keys.ENTER)
        keys = ActionChains(driver)

        def text_shown() -> str:
            return wait.until(ec.visibility_of_element_located((By.ID, "review-text"))).text

        def press(key: str, settled: int) -> None:
            keys.send_keys(key).perform()
            wait.until(
                ec.text_to_be_present_in_element(
                    (By.ID, "review-progress"), f"{settled} settled in this session"
                )
            )

        first = text_shown()
        assert first in QUEUED
        # A wrong answer, undone, then the right one; then the rest of the queue, one key each.
        wrong = "5" if QUEUED[first] != "none" else "1"
        press(wrong, 1)
        press("u", 0)
        assert text_shown() == first
        answered = {}
        for count in range(1, 6):
            shown = text_shown()
            if shown == MARKUP:
                assert not driver.find_elements(By.CSS_SELECTOR, "#injected, #injected-img")
            answered[shown] = QUEUED[shown]
            press(KEYS[QUEUED[shown]], count)
        wait.until(ec.visibility_of_element_located((By.ID, "review-empty")))
        assert answered == QUEUED

        with httpx.Client(base_url=base, timeout=10) as http:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            stats = http.get("/v1/review/stats", headers=auth).json()
            before = http.get("/v1/model").json()["version"]
        assert stats["by_status"] == {"pending": 0, "done": 5, "skipped": 0}
        assert stats["corrections"] == 5
        stored = {f.text: f.label for f in Store(database).all_feedback()}
        assert stored == QUEUED
        done = ReviewQueue(Store(database)).items("done", limit=10)[0]
        assert {i.text: i.answer for i in done} == QUEUED

        retrain = wait.until(ec.element_to_be_clickable((By.ID, "retrain-start")))
        if os.environ.get("AI_STAGE_REVIEW_SCREENSHOT"):
            driver.save_screenshot(os.environ["AI_STAGE_REVIEW_SCREENSHOT"])
        retrain.click()
        verdict = WebDriverWait(driver, 180).until(
            ec.visibility_of_element_located((By.ID, "retrain-verdict"))
        )
        assert verdict.text.startswith(("Promoted", "Refused by the quality gate")), verdict.text
        with httpx.Client(base_url=base, timeout=10) as http:
            after = http.get("/v1/model").json()["version"]
        if verdict.text.startswith("Promoted"):
            assert after != before and after in verdict.text
        else:
            assert after == before
