"""Shortcut listeners."""

from slack_bolt import App

from bot.slack.listeners.shortcuts import check_scope
from bot.slack.ui.ids import CALLBACK_CHECK_SCOPE


def register(app: App) -> None:
    """Register the 'Check support scope' message shortcut."""
    app.message_shortcut(CALLBACK_CHECK_SCOPE)(check_scope.handle)
