"""Events API listeners."""

from slack_bolt import App

from bot.slack.listeners.events import app_home_opened, app_mention


def register(app: App) -> None:
    """Register event listeners."""
    app.event("app_mention", middleware=[app_mention.receive])(app_mention.handle)
    app.event("app_home_opened")(app_home_opened.handle)
