"""Every error the classifier raises on purpose.

One tree, so that adapters (the CLI, the HTTP service) can map each kind of failure to an exit
code or a status in one place, and never need to parse messages::

    ClassifierError
    ├── InvalidInputError      text empty, too long, or not text at all
    ├── DatasetError           a training file is unreadable or breaks the rules (file:line)
    ├── TaxonomyError          the label file is malformed, or a label id is unknown
    ├── ModelNotFoundError     no such version, or no current model yet
    ├── ModelIntegrityError    checksum, format or library version does not match the manifest
    ├── NotTrainedError        a model was asked to predict before it was fitted
    ├── QualityGateError       a candidate model is worse than the one serving
    ├── JobConflictError       a job of the same kind is already running
    ├── JobNotFoundError       no job with that id
    ├── ReviewItemNotFoundError  no review-queue item with that id
    └── AlreadyAnsweredError   a review item was settled (by someone else, or before)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class ClassifierError(Exception):
    """Base class: carries a message a user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputError(ClassifierError):
    """The caller's text cannot be classified as given."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file, pinned to where it is."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


class DatasetError(ClassifierError):
    """Training data was refused; `problems` lists every reason, not just the first."""

    def __init__(self, problems: Sequence[Problem], limit: int = 20) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {p}" for p in self.problems[:limit])
        more = len(self.problems) - limit
        tail = f"\n  ... and {more} more" if more > 0 else ""
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"training data refused, {count} {noun}:\n{shown}{tail}")


class TaxonomyError(ClassifierError):
    """The label definitions are malformed, or a label id is not one of them."""


class ModelNotFoundError(ClassifierError):
    """The registry has no model under that version (or no current model)."""


class ModelIntegrityError(ClassifierError):
    """A stored model does not match its manifest and must not be unpickled."""


class NotTrainedError(ClassifierError):
    """The estimator has not been fitted."""


class QualityGateError(ClassifierError):
    """A candidate model lost to the serving model; the report says by how much."""

    def __init__(self, message: str, comparison: object | None = None) -> None:
        super().__init__(message)
        self.comparison = comparison


class JobConflictError(ClassifierError):
    """Only one job of a kind may run at a time."""


class JobNotFoundError(ClassifierError):
    """No job with that id."""


class ReviewItemNotFoundError(ClassifierError):
    """No item in the review queue with that id."""


class AlreadyAnsweredError(ClassifierError):
    """The review item is no longer pending: the first answer wins, later ones are refused."""
