"""Errors raised by the bot package; turned into friendly messages only at the edges (CLI, Slack reply)."""


class BotError(Exception):
    """Base class of every error the bot package raises on purpose."""


class ConfigError(BotError):
    """A setting is missing or invalid; the message names the environment variable."""


class StoreError(BotError):
    """The database cannot be opened or a stored record is not what was asked for."""


class NotFoundError(StoreError):
    """A quote request, feedback item or version asked for does not exist."""


class ValidationError(BotError):
    """User input (CLI or modal) does not pass validation; `.fields` maps field -> message."""

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}


class RetrainLockedError(BotError):
    """Another retraining run holds the lock."""


class GateRejectedError(BotError):
    """`scope-bot train` (without --force) trained a model that the promotion gate rejected."""
