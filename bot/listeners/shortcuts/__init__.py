"""Shortcut listeners."""

from slack_bolt import App

from bot.blocks import CALLBACK_CHECK_SCOPE
from bot.listeners.shortcuts import check_scope


def register(app: App) -> None:
    """Register the 'Check support scope' message shortcut."""
    app.message_shortcut(CALLBACK_CHECK_SCOPE)(check_scope.handle)
