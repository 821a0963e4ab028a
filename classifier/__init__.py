"""ai-stage's classifier: which stage of AI a text describes.

The public API; importing it loads nothing and touches no files.
"""

__version__ = "0.1.0"

from classifier.dataset import Dataset, LabeledExample, load_dataset, load_training_data
from classifier.errors import (
    ClassifierError,
    DatasetError,
    InvalidInputError,
    JobConflictError,
    ModelIntegrityError,
    ModelNotFoundError,
    NotTrainedError,
    QualityGateError,
    TaxonomyError,
)
from classifier.evaluation import EvaluationReport, cross_validate, evaluate_model
from classifier.model import ModelParams, Prediction, StageClassifier, Term, build_pipeline
from classifier.registry import Registry
from classifier.taxonomy import LABELS, Taxonomy, load_taxonomy
from classifier.training import TrainedModel, TrainingConfig, train

__all__ = [
    "LABELS",
    "ClassifierError",
    "Dataset",
    "DatasetError",
    "EvaluationReport",
    "InvalidInputError",
    "JobConflictError",
    "LabeledExample",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelParams",
    "NotTrainedError",
    "Prediction",
    "QualityGateError",
    "Registry",
    "StageClassifier",
    "Taxonomy",
    "TaxonomyError",
    "Term",
    "TrainedModel",
    "TrainingConfig",
    "__version__",
    "build_pipeline",
    "cross_validate",
    "evaluate_model",
    "load_dataset",
    "load_taxonomy",
    "load_training_data",
    "train",
]
