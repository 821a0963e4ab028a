"""Service settings, from `AI_STAGE_*` environment variables (and nothing else at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from classifier.doubt import DEFAULT_MIN_CONFIDENCE, DEFAULT_MIN_MARGIN, DoubtRule
from classifier.gate import DEFAULT_LABEL_MARGIN, DEFAULT_MACRO_MARGIN
from classifier.limits import MAX_TEXT_CHARS
from service import paths
from service.limits import DEFAULT_TEXT_CHARS, MAX_BATCH_ITEMS
from service.review import CapturePolicy


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AI_STAGE_", extra="ignore")

    models_dir: Path = Field(
        default_factory=lambda: paths.models_dir().path, description="Model registry folder."
    )
    data_dir: Path = Field(
        default_factory=lambda: paths.data_dir().path, description="Labeled data folder."
    )
    database: Path = Field(
        default_factory=lambda: paths.database().path,
        description="SQLite file for feedback and jobs; uploads and job files go beside it.",
    )
    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8000, ge=1, le=65535, description="Port to listen on.")
    workers: int = Field(1, ge=1, le=64, description="uvicorn worker processes.")
    max_text_chars: int = Field(
        DEFAULT_TEXT_CHARS,
        ge=1,
        le=MAX_TEXT_CHARS,
        description="Longest text accepted, in characters.",
    )
    max_batch_items: int = Field(
        1_000, ge=1, le=MAX_BATCH_ITEMS, description="Most items in one batch request."
    )
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1024, description="Largest request body.")
    max_upload_bytes: int = Field(
        256 * 1024 * 1024, ge=1024, description="Largest file upload to /v1/tag-jobs."
    )
    max_train_upload_bytes: int = Field(
        64 * 1024 * 1024, ge=1024, description="Largest upload to /v1/train (checked in memory)."
    )
    max_upload_examples: int = Field(
        100_000, ge=1, description="Most examples in one uploaded training file."
    )
    macro_margin: float = Field(
        DEFAULT_MACRO_MARGIN, ge=0, description="Largest macro-F1 drop the gate allows."
    )
    label_margin: float = Field(
        DEFAULT_LABEL_MARGIN, ge=0, description="Largest per-label F1 drop the gate allows."
    )
    admin_token: SecretStr | None = Field(
        None, description="Bearer token for endpoints that change state; unset disables them."
    )
    require_token_for_classify: bool = Field(
        False, description="Also require the admin token for classification."
    )
    reload_interval: float = Field(
        1.0, gt=0, description="Seconds between checks for a newly promoted model."
    )
    train_if_empty: bool = Field(True, description="Train the default model when none exists.")
    tag_max_input_bytes: int = Field(
        2 * 1024**3, ge=1024, description="Most bytes a tag job reads, counted after decompression."
    )
    tag_max_line_chars: int = Field(
        2 * MAX_TEXT_CHARS,
        ge=1024,
        description="Longest input line (or CSV row) a tag job reads whole.",
    )
    tag_max_output_bytes: int = Field(
        4 * 1024**3, ge=1024, description="Most bytes a tag job may write."
    )
    job_timeout_seconds: float = Field(
        3600.0, gt=0, description="A job still running after this long is stopped."
    )
    keep_jobs_seconds: float = Field(
        7 * 24 * 3600.0, ge=0, description="Finished jobs' files are deleted after this long..."
    )
    keep_jobs: int = Field(100, ge=0, description="...except those of the newest this many jobs.")
    limit_concurrency: int = Field(
        256, ge=1, description="Connections served at once per worker; more get 503."
    )
    timeout_keep_alive: int = Field(
        5, ge=1, description="Seconds an idle keep-alive connection is held open."
    )
    max_header_bytes: int = Field(
        64 * 1024, ge=4096, description="Largest request head (request line and headers)."
    )
    review_threshold: float = Field(
        DEFAULT_MIN_CONFIDENCE,
        ge=0,
        le=1,
        description="A call whose top score is below this goes to the review queue.",
    )
    review_margin: float = Field(
        DEFAULT_MIN_MARGIN,
        ge=0,
        le=1,
        description="So does one whose top score leads the runner-up by less than this.",
    )
    review_max_pending: int = Field(
        10_000, ge=1, description="Pending review items kept; the least doubtful go first."
    )
    review_capture: bool = Field(
        False,
        description="Also queue doubtful answers to /v1/classify requests. Off by default: a "
        "text sent for classification is stored only when the operator says so.",
    )

    def review_policy(self) -> CapturePolicy:
        return CapturePolicy(
            DoubtRule(self.review_threshold, self.review_margin),
            self.review_max_pending,
            self.max_text_chars,
        )
