"""Which predictions a person should look at: the rule behind the review queue.

A call is doubtful when its top score is low or when the runner-up is close behind it. Items
are ordered by margin (top minus second score), smallest first: margin sampling, the standard
choice for picking the examples a classifier would learn most from. The rule is pure and lives
here so the CLI, tag jobs and the HTTP routes apply exactly the same one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from classifier.errors import InvalidInputError

DEFAULT_MIN_CONFIDENCE = 0.6
# With the default threshold a margin rule adds little (a top score of 0.6 leaves at most 0.4
# for the runner-up); it catches close calls when the threshold is lowered.
DEFAULT_MIN_MARGIN = 0.1


@dataclass(frozen=True)
class DoubtRule:
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    min_margin: float = DEFAULT_MIN_MARGIN

    def __post_init__(self) -> None:
        for name in ("min_confidence", "min_margin"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise InvalidInputError(f"{name} must be between 0 and 1, got {value}")

    def is_doubtful(self, scores: Mapping[str, float]) -> bool:
        top, margin = top_and_margin(scores)
        return top < self.min_confidence or margin < self.min_margin


def top_and_margin(scores: Mapping[str, float]) -> tuple[float, float]:
    """The top score and how far ahead of the runner-up it is."""
    ranked = sorted(scores.values(), reverse=True)
    if not ranked:
        raise ValueError("no scores")
    second = ranked[1] if len(ranked) > 1 else 0.0
    return ranked[0], ranked[0] - second
