"""All listeners; each subpackage registers its own."""

from slack_bolt import App

from bot.slack.listeners import actions, commands, errors, events, shortcuts, views


def register(app: App, *, api_url: str) -> None:
    """Register every listener and the error handler on `app` (api_url: the Web API whose host may be answered)."""
    events.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    shortcuts.register(app)
    errors.register(app, api_url=api_url)
