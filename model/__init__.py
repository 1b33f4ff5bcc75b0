"""scope-bot's classifier: catalog, training data, pipeline, training, evaluation and artifacts. Knows no Slack."""

from model.catalog import Catalog, Row, load_catalog
from model.classifier import Classifier
from model.errors import ArtifactError, CatalogError, InputError, ModelNotFoundError, ScopeModelError, TrainingDataError
from model.prediction import Alternative, Prediction

__all__ = [
    "Alternative",
    "ArtifactError",
    "Catalog",
    "CatalogError",
    "Classifier",
    "InputError",
    "ModelNotFoundError",
    "Prediction",
    "Row",
    "ScopeModelError",
    "TrainingDataError",
    "load_catalog",
]
