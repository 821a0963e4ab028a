"""The review queue: doubtful calls waiting for a person, in the same SQLite file as feedback.

Every answer is one `BEGIN IMMEDIATE` transaction that checks the item is still pending, stores
the correction (exactly as `/v1/feedback` does) and marks the item, so two reviewers answering
the same item at once cannot both win: the second finds it settled and gets AlreadyAnsweredError.
A text is queued once: its normalised form is hashed into a unique key, whatever its status.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from classifier.dataset import text_key
from classifier.errors import AlreadyAnsweredError, InvalidInputError, ReviewItemNotFoundError
from classifier.language import encodable
from classifier.taxonomy import LABELS, check_label
from service.store import Store, insert_feedback, now

Status = Literal["pending", "done", "skipped"]
STATUSES: tuple[Status, ...] = ("pending", "done", "skipped")
AnswerKind = Literal["label", "not_ai_text", "skip"]
# A text that is no AI product or AI news at all is, by the labeling guidelines, `none`.
NOT_AI_TEXT_LABEL = "none"

SCHEMA = """
CREATE TABLE IF NOT EXISTS review (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    text_hash TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    job_id TEXT,
    record_id TEXT,
    model_version TEXT NOT NULL,
    predicted TEXT NOT NULL,
    confidence REAL NOT NULL,
    margin REAL NOT NULL,
    scores TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    answer_kind TEXT,
    answer TEXT,
    feedback_id INTEGER,
    created_at TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX IF NOT EXISTS review_by_doubt ON review (status, margin, confidence, id);
"""


@dataclass(frozen=True)
class Candidate:
    """A doubtful call to queue, with where it came from."""

    text: str
    source: str  # "tag" (CLI), "tag-job" (HTTP), "classify"
    job_id: str | None
    record_id: str | None
    model_version: str
    predicted: str
    confidence: float
    margin: float
    scores: dict[str, float]


@dataclass(frozen=True)
class ReviewItem(Candidate):
    """A queued candidate and what became of it."""

    id: int = 0
    status: Status = "pending"
    answer_kind: AnswerKind | None = None
    answer: str | None = None  # the label the reviewer gave (`none` for not_ai_text)
    feedback_id: int | None = None
    created_at: str = ""
    answered_at: str | None = None


@dataclass(frozen=True)
class ReviewStats:
    by_status: dict[str, int]
    by_label: dict[str, int]  # answers stored as corrections, by label
    not_ai_text: int
    agreed: int  # answers that matched the model's own call
    corrections: int  # every stored correction, from the queue or /v1/feedback

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _hash(text: str) -> str:
    return hashlib.sha256(text_key(text).encode("utf-8", "surrogatepass")).hexdigest()


def _item(row: sqlite3.Row) -> ReviewItem:
    values = dict(row)
    values.pop("text_hash")
    values["scores"] = json.loads(values["scores"])
    return ReviewItem(**values)


class ReviewQueue:
    def __init__(self, store: Store) -> None:
        self.store = store
        with store.connect() as db:
            db.executescript(SCHEMA)

    def add(self, candidates: Sequence[Candidate], max_pending: int) -> tuple[int, int]:
        """Queue the candidates not seen before. Past `max_pending` pending items the least
        doubtful are dropped, so the queue keeps the calls that teach the model most. Returns
        (items queued, pending items dropped)."""
        rows = [
            (
                c.text,
                _hash(c.text),
                c.source,
                c.job_id,
                c.record_id,
                c.model_version,
                c.predicted,
                c.confidence,
                c.margin,
                json.dumps(c.scores),
                now(),
            )
            for c in candidates
            if c.text.strip() and encodable(c.text)
        ]
        if not rows:
            return 0, 0
        with self.store.transaction() as db:
            newest = db.execute("SELECT COALESCE(MAX(id), 0) FROM review").fetchone()[0]
            db.executemany(
                "INSERT OR IGNORE INTO review (text, text_hash, source, job_id, record_id, "
                "model_version, predicted, confidence, margin, scores, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            cursor = db.execute(
                "DELETE FROM review WHERE id IN (SELECT id FROM review WHERE status = 'pending' "
                "ORDER BY margin, confidence, id LIMIT -1 OFFSET ?)",
                (max_pending,),
            )
            # New rows that survived the trim (AUTOINCREMENT ids only grow).
            added = db.execute("SELECT COUNT(*) FROM review WHERE id > ?", (newest,)).fetchone()[0]
        return int(added), max(cursor.rowcount, 0)

    def items(
        self, status: Status = "pending", limit: int = 20, offset: int = 0
    ) -> tuple[list[ReviewItem], int]:
        """Pending items most doubtful first; settled ones most recent first."""
        if status not in STATUSES:
            raise InvalidInputError(f"status must be one of {', '.join(STATUSES)}")
        order = "margin, confidence, id" if status == "pending" else "answered_at DESC, id DESC"
        with self.store.connect() as db:
            total = db.execute("SELECT COUNT(*) FROM review WHERE status = ?", (status,)).fetchone()
            rows = db.execute(
                f"SELECT * FROM review WHERE status = ? ORDER BY {order} LIMIT ? OFFSET ?",
                (status, limit, offset),
            ).fetchall()
        return [_item(r) for r in rows], int(total[0])

    def item(self, item_id: int) -> ReviewItem:
        with self.store.connect() as db:
            row = db.execute("SELECT * FROM review WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise ReviewItemNotFoundError(f"no review item {item_id}")
        return _item(row)

    def answer(self, item_id: int, kind: AnswerKind, label: str | None = None) -> ReviewItem:
        """Settle a pending item. A label (or not_ai_text, stored as `none`) becomes a
        correction; a skip only takes the item out of the queue."""
        if kind == "label":
            if label is None:
                raise InvalidInputError("label: a label answer needs one of " + ", ".join(LABELS))
            check_label(label)
        elif label is not None:
            raise InvalidInputError(f"label: not allowed with a {kind} answer")
        answer = NOT_AI_TEXT_LABEL if kind == "not_ai_text" else label
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM review WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise ReviewItemNotFoundError(f"no review item {item_id}")
            if row["status"] != "pending":
                given = f" as {row['answer']}" if row["answer"] else ""
                raise AlreadyAnsweredError(
                    f"review item {item_id} was already {row['status']}{given} at "
                    f"{row['answered_at']}; the first answer stands"
                )
            feedback_id = None
            if answer is not None:
                feedback = insert_feedback(
                    db, row["text"], answer, row["predicted"], f"review item {item_id}"
                )
                feedback_id = feedback.id
            status = "skipped" if kind == "skip" else "done"
            db.execute(
                "UPDATE review SET status = ?, answer_kind = ?, answer = ?, feedback_id = ?, "
                "answered_at = ? WHERE id = ?",
                (status, kind, answer, feedback_id, now(), item_id),
            )
        return self.item(item_id)

    def undo(self, item_id: int) -> ReviewItem:
        """Put a settled item back in the queue and withdraw the correction it stored."""
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT status, feedback_id FROM review WHERE id = ?", (item_id,)
            ).fetchone()
            if row is None:
                raise ReviewItemNotFoundError(f"no review item {item_id}")
            if row["status"] == "pending":
                raise AlreadyAnsweredError(f"review item {item_id} is pending; nothing to undo")
            if row["feedback_id"] is not None:
                db.execute("DELETE FROM feedback WHERE id = ?", (row["feedback_id"],))
            db.execute(
                "UPDATE review SET status = 'pending', answer_kind = NULL, answer = NULL, "
                "feedback_id = NULL, answered_at = NULL WHERE id = ?",
                (item_id,),
            )
        return self.item(item_id)

    def stats(self) -> ReviewStats:
        with self.store.connect() as db:
            by_status = dict.fromkeys(STATUSES, 0)
            for status, count in db.execute("SELECT status, COUNT(*) FROM review GROUP BY status"):
                by_status[status] = count
            by_label = dict.fromkeys(LABELS, 0)
            for label, count in db.execute(
                "SELECT answer, COUNT(*) FROM review WHERE status = 'done' GROUP BY answer"
            ):
                by_label[label] = count
            not_ai = db.execute(
                "SELECT COUNT(*) FROM review WHERE answer_kind = 'not_ai_text'"
            ).fetchone()[0]
            agreed = db.execute(
                "SELECT COUNT(*) FROM review WHERE status = 'done' AND answer = predicted"
            ).fetchone()[0]
            corrections = db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
        return ReviewStats(by_status, by_label, int(not_ai), int(agreed), int(corrections))

    def pending_texts(self, after_id: int = 0, limit: int = 500) -> list[tuple[int, str]]:
        """(id, text) of pending items in id order, a page at a time, for re-scoring."""
        with self.store.connect() as db:
            rows = db.execute(
                "SELECT id, text FROM review WHERE status = 'pending' AND id > ? "
                "ORDER BY id LIMIT ?",
                (after_id, limit),
            ).fetchall()
        return [(row["id"], row["text"]) for row in rows]

    def rescore(self, updates: Sequence[tuple[int, Candidate]]) -> None:
        """Replace pending items' scores with a newer model's (settled items keep theirs)."""
        with self.store.transaction() as db:
            db.executemany(
                "UPDATE review SET model_version = ?, predicted = ?, confidence = ?, margin = ?, "
                "scores = ? WHERE id = ? AND status = 'pending'",
                [
                    (c.model_version, c.predicted, c.confidence, c.margin, json.dumps(c.scores), i)
                    for i, c in updates
                ],
            )

    def settled(self) -> list[ReviewItem]:
        """Items answered with a label, oldest answer first (for export)."""
        with self.store.connect() as db:
            rows = db.execute(
                "SELECT * FROM review WHERE status = 'done' ORDER BY answered_at, id"
            ).fetchall()
        return [_item(r) for r in rows]
