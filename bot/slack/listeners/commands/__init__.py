"""Slash command listeners."""

from slack_bolt import App

from bot.slack.listeners.commands import scope

SCOPE_COMMAND = "/scope"


def register(app: App) -> None:
    """Register /scope."""
    app.command(SCOPE_COMMAND)(scope.handle)
