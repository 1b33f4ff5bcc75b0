"""Socket Mode: the bot connects out to Slack over a WebSocket; no public URL needed."""

from __future__ import annotations

from bot.serve.runtime import build_runtime
from bot.settings import Settings
from bot.slack.app import bot_client
from bot.slack.preflight import BotIdentity


def run_socket_mode(settings: Settings, *, identity: BotIdentity) -> None:
    """Connect to Slack over Socket Mode (no public URL) and serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    runtime = build_runtime(settings, socket_mode=True, identity=identity)  # one process: it answers mentions too
    app = runtime.app
    if app is None:
        raise TypeError("a one-process runtime has an app")
    runtime.start_background()
    try:
        SocketModeHandler(app, app_token=settings.slack_app_token, web_client=bot_client(settings)).start()
    finally:
        runtime.stop()
