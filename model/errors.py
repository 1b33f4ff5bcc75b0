"""Errors raised by the model package; the CLI and the bot turn them into friendly messages."""


class ScopeModelError(Exception):
    """Base class of every error the model package raises on purpose."""


class CatalogError(ScopeModelError):
    """The scope catalog YAML is missing, malformed or inconsistent."""


class TrainingDataError(ScopeModelError):
    """Training or evaluation phrasings are malformed or use an unknown label."""


class ArtifactError(ScopeModelError):
    """A model artifact is missing, corrupt, tampered with or incompatible."""


class ModelNotFoundError(ArtifactError):
    """No trained model exists where one was expected."""


class InputError(ScopeModelError):
    """Text handed to the classifier cannot be classified (e.g. empty)."""


class ModelFormatError(ArtifactError):
    """A model saved by an older scope-bot, in a format this one does not read."""
