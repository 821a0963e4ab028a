"""Starting the real server (`ai-stage serve`) for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ai_stage_command() -> list[str]:
    script = Path(sys.executable).parent / "ai-stage"
    return [str(script)] if script.exists() else [sys.executable, "-m", "service"]


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            response = httpx.get(f"{base}/readyz", timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become ready in time")


@contextlib.contextmanager
def running_server(
    workdir: Path, data_dir: Path, token: str, workers: int = 2, extra_env: dict | None = None
) -> Iterator[tuple[str, Path]]:
    """Yields (base URL, models dir); the server log is workdir/server.log."""
    models = workdir / "models"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AI_STAGE_")}
    env.update(
        {
            "AI_STAGE_ADMIN_TOKEN": token,
            "AI_STAGE_DATABASE": str(workdir / "live.db"),
            "AI_STAGE_RELOAD_INTERVAL": "0.5",
            **(extra_env or {}),
        }
    )
    with (workdir / "server.log").open("w") as log:
        process = subprocess.Popen(
            [
                *ai_stage_command(),
                "--models-dir",
                str(models),
                "--data-dir",
                str(data_dir),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, process)
            yield base, models
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@contextlib.contextmanager
def headless_chromium(profile: Path, window_size: str = "1000,1300") -> Iterator:
    """Debian's Chromium through selenium, for the browser tests; the profile goes afterwards."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("chromium and chromium-driver are needed (make test installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        f"--window-size={window_size}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
