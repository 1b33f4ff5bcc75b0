"""Modal submission listeners."""

from slack_bolt import App

from bot.slack.listeners.views import quote_submission
from bot.slack.ui.ids import CALLBACK_QUOTE_MODAL


def register(app: App) -> None:
    """Register the quote request modal's submission."""
    app.view(CALLBACK_QUOTE_MODAL)(quote_submission.handle)
