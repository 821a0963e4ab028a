"""The label definitions, read from `data/taxonomy.json`, the one place they are written down.

Validated with pydantic on load so that a typo in the data file fails loudly at start-up instead of
surfacing as a missing translation in an API response.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from classifier.errors import TaxonomyError

LABELS: tuple[str, ...] = ("perception", "generative", "agentic", "physical", "none")
Language = Literal["en", "zh-Hant"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Bilingual(_Frozen):
    en: str = Field(min_length=1)
    zh_hant: str = Field(alias="zh-Hant", min_length=1)

    def in_(self, lang: Language) -> str:
        return self.en if lang == "en" else self.zh_hant


class BilingualList(_Frozen):
    en: tuple[str, ...] = Field(min_length=1)
    zh_hant: tuple[str, ...] = Field(alias="zh-Hant", min_length=1)

    def in_(self, lang: Language) -> tuple[str, ...]:
        return self.en if lang == "en" else self.zh_hant


class Example(_Frozen):
    name: str = Field(min_length=1)
    en: str = Field(min_length=1)
    zh_hant: str = Field(alias="zh-Hant", min_length=1)


class Stage(_Frozen):
    id: str
    order: int | None = Field(description="Position in the article's sequence; null for 'none'.")
    names: Bilingual
    summary: Bilingual
    definition: Bilingual
    capabilities: BilingualList
    examples: tuple[Example, ...] = Field(min_length=1)


class Rule(_Frozen):
    id: int = Field(ge=1)
    labels: tuple[str, ...] = Field(min_length=1)
    en: str = Field(min_length=1)
    zh_hant: str = Field(alias="zh-Hant", min_length=1)


class Taxonomy(_Frozen):
    format_version: Literal[1]
    source: Bilingual
    stages: tuple[Stage, ...]
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _labels_are_the_five_known_ones(self) -> Taxonomy:
        ids = tuple(stage.id for stage in self.stages)
        if ids != LABELS:
            raise ValueError(f"stages must be {list(LABELS)} in that order, got {list(ids)}")
        orders = [stage.order for stage in self.stages if stage.order is not None]
        if orders != sorted(orders) or len(set(orders)) != len(orders):
            raise ValueError("stage orders must be unique and increasing")
        for rule in self.rules:
            unknown = set(rule.labels) - set(LABELS)
            if unknown:
                raise ValueError(f"rule {rule.id} names unknown labels {sorted(unknown)}")
        return self

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(stage.id for stage in self.stages)

    def stage(self, label: str) -> Stage:
        for stage in self.stages:
            if stage.id == label:
                return stage
        raise TaxonomyError(f"unknown label {label!r}; expected one of {', '.join(self.labels)}")

    def rules_for(self, label: str) -> tuple[Rule, ...]:
        self.stage(label)
        return tuple(rule for rule in self.rules if label in rule.labels)


def parse_taxonomy(raw: bytes) -> Taxonomy:
    try:
        return Taxonomy.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise TaxonomyError(f"label definitions are invalid: {exc}") from exc


def _raw_taxonomy() -> bytes:
    return resources.files("classifier").joinpath("data/taxonomy.json").read_bytes()


@cache
def load_taxonomy() -> Taxonomy:
    """The packaged label definitions (parsed once; the object is immutable)."""
    return parse_taxonomy(_raw_taxonomy())


def taxonomy_hash() -> str:
    """sha256 of the packaged definitions, recorded in every model manifest."""
    return hashlib.sha256(_raw_taxonomy()).hexdigest()


def check_label(label: object) -> str:
    if not isinstance(label, str) or label not in LABELS:
        raise TaxonomyError(f"unknown label {label!r}; expected one of {', '.join(LABELS)}")
    return label
