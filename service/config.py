"""Service settings, from `AI_STAGE_*` environment variables (and nothing else at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from classifier.gate import DEFAULT_LABEL_MARGIN, DEFAULT_MACRO_MARGIN
from service import paths


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
    max_text_chars: int = Field(100_000, ge=1, description="Longest text accepted, in characters.")
    max_batch_items: int = Field(1_000, ge=1, description="Most items in one batch request.")
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
