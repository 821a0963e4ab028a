"""Feedback and jobs in one embedded SQLite database, shared by every process.

WAL mode lets several service workers and a training process read while one writes; each call
opens its own short-lived connection, so no connection is shared between threads. "One training
job at a time" is enforced inside a `BEGIN IMMEDIATE` transaction, which takes the write lock
before checking, so two workers racing to start a job cannot both succeed.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from classifier.errors import InvalidInputError, JobConflictError, JobNotFoundError
from classifier.language import encodable
from classifier.processes import process_alive
from classifier.taxonomy import check_label

JOB_STATES = ("queued", "running", "succeeded", "failed", "rejected", "cancelled")
FINISHED_STATES = ("succeeded", "failed", "rejected", "cancelled")
# A queued job whose process never started, or a running one whose process is gone, is stale.
STALE_AFTER_SECONDS = 120.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    predicted TEXT,
    note TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    params TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    result TEXT,
    pid INTEGER,
    heartbeat REAL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_kind_state ON jobs (kind, state);
"""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Feedback:
    id: int
    text: str
    label: str
    predicted: str | None
    note: str | None
    created_at: str


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    state: str
    params: dict
    progress: float
    message: str
    result: dict | None
    pid: int | None
    created_at: str
    updated_at: str

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "progress": self.progress,
            "message": self.message,
            "result": self.result,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout=30000")
        try:
            yield db
        finally:
            db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # -- feedback ----------------------------------------------------------------------------

    def add_feedback(
        self, text: str, label: str, predicted: str | None = None, note: str | None = None
    ) -> Feedback:
        with self.transaction() as db:
            return insert_feedback(db, text, label, predicted, note)

    def list_feedback(self, limit: int = 50, offset: int = 0) -> tuple[list[Feedback], int]:
        with self.connect() as db:
            total = db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
            rows = db.execute(
                "SELECT * FROM feedback ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
            ).fetchall()
        return [Feedback(**dict(r)) for r in rows], int(total)

    def all_feedback(self) -> list[Feedback]:
        with self.connect() as db:
            rows = db.execute("SELECT * FROM feedback ORDER BY id").fetchall()
        return [Feedback(**dict(r)) for r in rows]

    # -- jobs --------------------------------------------------------------------------------

    def create_job(self, job_id: str, kind: str, params: dict, exclusive: bool = True) -> Job:
        """Queue a job; with `exclusive`, refuse while another job of this kind is active."""
        with self.transaction() as db:
            if exclusive:
                self._expire_stale(db, kind)
                active = db.execute(
                    "SELECT id FROM jobs WHERE kind = ? AND state IN ('queued', 'running')", (kind,)
                ).fetchone()
                if active:
                    raise JobConflictError(f"{kind} job {active['id']} is still running")
            created = now()
            db.execute(
                "INSERT INTO jobs (id, kind, state, params, heartbeat, created_at, updated_at) "
                "VALUES (?, ?, 'queued', ?, ?, ?, ?)",
                (job_id, kind, json.dumps(params), time.time(), created, created),
            )
        return self.job(job_id)

    def _expire_stale(self, db: sqlite3.Connection, kind: str) -> None:
        rows = db.execute(
            "SELECT id, pid, heartbeat FROM jobs WHERE kind = ? AND state IN ('queued', 'running')",
            (kind,),
        ).fetchall()
        for row in rows:
            alive = row["pid"] is not None and process_alive(row["pid"])
            fresh = (time.time() - (row["heartbeat"] or 0)) < STALE_AFTER_SECONDS
            if not alive and not (row["pid"] is None and fresh):
                db.execute(
                    "UPDATE jobs SET state = 'failed', message = ?, updated_at = ? WHERE id = ?",
                    ("the job's process ended without reporting", now(), row["id"]),
                )

    def job(self, job_id: str) -> Job:
        with self.connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise JobNotFoundError(f"no job {job_id!r}")
        return _job_from_row(row)

    def update_job(
        self,
        job_id: str,
        state: str | None = None,
        progress: float | None = None,
        message: str | None = None,
        result: dict | None = None,
        pid: int | None = None,
    ) -> None:
        fields: dict[str, object] = {"updated_at": now(), "heartbeat": time.time()}
        if state is not None:
            if state not in JOB_STATES:
                raise ValueError(f"unknown job state {state!r}")
            fields["state"] = state
        if progress is not None:
            fields["progress"] = round(max(0.0, min(1.0, progress)), 4)
        if message is not None:
            fields["message"] = message
        if result is not None:
            fields["result"] = json.dumps(result)
        if pid is not None:
            fields["pid"] = pid
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.transaction() as db:
            # A cancelled job stays cancelled, whatever its process reports afterwards.
            db.execute(
                f"UPDATE jobs SET {assignments} WHERE id = ? AND state != 'cancelled'",
                (*fields.values(), job_id),
            )

    def cancel_job(self, job_id: str) -> Job:
        with self.transaction() as db:
            row = db.execute("SELECT state FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row is None:
                raise JobNotFoundError(f"no job {job_id!r}")
            if row["state"] not in ("queued", "running"):
                raise JobConflictError(f"job {job_id} is already {row['state']}")
            db.execute(
                "UPDATE jobs SET state = 'cancelled', message = ?, updated_at = ? WHERE id = ?",
                ("cancelled on request", now(), job_id),
            )
        return self.job(job_id)

    def finished_jobs_to_expire(self, before: float, keep_count: int) -> list[Job]:
        """Finished jobs older than `before` (epoch seconds) beyond the newest `keep_count`."""
        states = ", ".join("?" for _ in FINISHED_STATES)
        with self.connect() as db:
            rows = db.execute(
                f"SELECT * FROM jobs WHERE state IN ({states}) ORDER BY heartbeat DESC "
                "LIMIT -1 OFFSET ?",
                (*FINISHED_STATES, keep_count),
            ).fetchall()
        return [_job_from_row(r) for r in rows if (r["heartbeat"] or 0) < before]

    def delete_job(self, job_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def job_ids(self) -> set[str]:
        with self.connect() as db:
            return {row["id"] for row in db.execute("SELECT id FROM jobs")}

    def refresh_stale(self, kind: str) -> None:
        with self.transaction() as db:
            self._expire_stale(db, kind)


def insert_feedback(
    db: sqlite3.Connection, text: str, label: str, predicted: str | None, note: str | None
) -> Feedback:
    """Store one correction inside the caller's transaction (the review queue settles an item
    and stores its correction in one)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError("feedback text is empty")
    for name, value in (("text", text), ("note", note)):
        if value is not None and not encodable(value):
            raise InvalidInputError(
                f"feedback {name} holds a lone surrogate (invalid Unicode); it cannot be stored"
            )
    check_label(label)
    if predicted is not None:
        check_label(predicted)
    created = now()
    cursor = db.execute(
        "INSERT INTO feedback (text, label, predicted, note, created_at) VALUES (?, ?, ?, ?, ?)",
        (text, label, predicted, note, created),
    )
    return Feedback(int(cursor.lastrowid or 0), text, label, predicted, note, created)


def _job_from_row(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        state=row["state"],
        params=json.loads(row["params"]),
        progress=row["progress"],
        message=row["message"],
        result=json.loads(row["result"]) if row["result"] else None,
        pid=row["pid"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
