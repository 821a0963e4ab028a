"""Starting background jobs: each runs in its own process, described by its database row.

The request that queues a job returns at once; the job process outlives the request and reports
through the database, so any worker can answer `GET /v1/jobs/{id}`.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from pathlib import Path

from service.store import Job, Store


def new_job_id() -> str:
    return uuid.uuid4().hex


def launch(store: Store, job: Job) -> int:
    """Start the worker process for `job`; returns its pid."""
    log_dir = store.path.parent / "jobs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{job.id}.log").open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service.job_worker",
                "--db",
                str(store.path),
                "--job",
                job.id,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    # Reap the child when it ends so it does not linger as a zombie.
    threading.Thread(target=process.wait, name=f"reap-{job.id[:8]}", daemon=True).start()
    store.update_job(job.id, pid=process.pid)
    return process.pid


def uploads_dir(store: Store) -> Path:
    folder = store.path.parent / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
