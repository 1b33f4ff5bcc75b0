"""The one place where an unexpected listener failure becomes a log line with context and a short apology."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlparse

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.payloads import channel_id, reply_thread_ts, user_id
from bot.slack.texts import t
from model.language import detect_language

log = logging.getLogger(__name__)


def slack_host(url: str, *, api_url: str) -> bool:
    """A response_url on Slack's hosts (or on the configured Web API's host, a local fake in tests)."""
    host = (urlparse(url).hostname or "").lower()
    return urlparse(url).scheme in ("https", "http") and (
        host == "slack.com" or host.endswith(".slack.com") or host == (urlparse(api_url).hostname or "").lower()
    )


def apologize(*, body: dict, client: WebClient, respond: Any, api_url: str) -> None:
    """Tell the waiting user something went wrong: via response_url, or in the event's thread.

    Only for requests that passed verification (the HTTP guard lets no other through), and a response_url only
    on Slack's hosts: an apology must never become a request to wherever a payload points.
    """
    event = body.get("event") or {}
    asked = event.get("text") or body.get("text") or ""
    lang = detect_language(asked) if asked.strip() else "en"
    response_url = body.get("response_url") or ""
    try:
        if response_url and respond is not None:
            if not slack_host(response_url, api_url=api_url):
                log.error("not apologizing to a response_url off Slack's hosts: %s", urlparse(response_url).hostname)
                return
            respond(text=t(lang, "apology"), response_type="ephemeral", replace_original=False)
        elif event.get("channel") and event.get("ts"):
            client.chat_postMessage(channel=event["channel"], thread_ts=reply_thread_ts(event), text=t(lang, "apology"))
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.error("could not apologize either: %s", exc)


def register(app: App, *, api_url: str) -> None:
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
        apologize(body=body, client=client, respond=respond, api_url=api_url)
