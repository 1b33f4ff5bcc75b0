"""The one place where an unexpected listener failure becomes a log line with context and a short apology."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.payloads import channel_id, reply_thread_ts, user_id
from bot.slack.texts import t
from model.language import detect_language

log = logging.getLogger(__name__)


def apologize(*, body: dict, client: WebClient, respond: Any) -> None:
    """Tell the waiting user something went wrong: via response_url, or in the event's thread."""
    event = body.get("event") or {}
    asked = event.get("text") or body.get("text") or ""
    lang = detect_language(asked) if asked.strip() else "en"
    try:
        if body.get("response_url") and respond is not None:
            respond(text=t(lang, "apology"), response_type="ephemeral", replace_original=False)
        elif event.get("channel") and event.get("ts"):
            client.chat_postMessage(channel=event["channel"], thread_ts=reply_thread_ts(event), text=t(lang, "apology"))
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.error("could not apologize either: %s", exc)


def register(app: App) -> None:
    """Install the global error handler."""

    @app.error
    def handle_error(error: Exception, body: dict, client: WebClient, respond: Any = None) -> None:
        event = body.get("event") or {}
        log.error(
            "listener failed: type=%s event=%s action=%s user=%s channel=%s: %r",
            body.get("type"),
            event.get("type"),
            ((body.get("actions") or [{}])[0]).get("action_id"),
            user_id(body) or event.get("user"),
            channel_id(body) or event.get("channel"),
            error,
            exc_info=error,
        )
        apologize(body=body, client=client, respond=respond)
