"""Modal submission listeners."""

from slack_bolt import App

from bot.blocks import CALLBACK_QUOTE_MODAL
from bot.listeners.views import quote_submission


def register(app: App) -> None:
    """Register the quote request modal's submission."""
    app.view(CALLBACK_QUOTE_MODAL)(quote_submission.handle)
