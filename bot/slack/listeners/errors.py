"""The one place where an unexpected listener failure becomes a log line with context and a short apology."""

from __future__ import annotations

import hashlib
import logging
from typing import Any
from urllib.parse import urlparse

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import StoreError
from bot.metrics import count_listener_failure
from bot.slack.deps import CONTEXT_KEY, Deps
from bot.slack.payloads import channel_id, event_key, reply_thread_ts, surface, user_id
from bot.slack.replies import APOLOGY, post_call, respond_call, slack_host
from bot.slack.texts import t
from model.language import detect_language

log = logging.getLogger(__name__)


def is_retry(request: BoltRequest | None) -> bool:
    """A redelivery of an event Slack thinks we missed (the X-Slack-Retry-Num header)."""
    return request is not None and bool(request.headers.get("x-slack-retry-num"))


def apologize(*, body: dict, deps: Deps | None, client: WebClient, respond: Any, api_url: str) -> None:
    """Tell the waiting user something went wrong: via response_url, or in the event's thread.

    Only for requests that passed verification (the HTTP guard lets no other through), and a response_url only
    on Slack's hosts: an apology must never become a request to wherever a payload points. Queued through the
    outbox with one key per event, so it is sent once; sent directly only when the database cannot take it.
    """
    event = body.get("event") or {}
    asked = event.get("text") or body.get("text") or ""
    lang = detect_language(asked) if asked.strip() else "en"
    message = {"text": t(lang, "apology")}
    response_url = body.get("response_url") or ""
    if response_url:
        if not slack_host(response_url, api_url=api_url):
            log.error("not apologizing to a response_url off Slack's hosts: %s", urlparse(response_url).hostname)
            return
        key = "apology:" + hashlib.sha256(response_url.encode()).hexdigest()[:32]
        call = respond_call(response_url=response_url, message=message, purpose=APOLOGY, dedupe_key=key)
    elif event.get("channel") and event.get("ts"):
        key = f"apology:{event_key(body) or event['ts']}"
        call = post_call(
            channel=event["channel"], thread_ts=reply_thread_ts(event), message=message, purpose=APOLOGY, dedupe_key=key
        )
    else:
        return
    try:
        if deps is not None:
            deps.outbox.send(call)
            return
    except StoreError as exc:
        log.error("cannot queue the apology (%s); sending it directly", exc)
    try:
        if response_url and respond is not None:
            respond(**message, response_type="ephemeral", replace_original=False)
        elif not response_url:
            client.chat_postMessage(channel=event["channel"], thread_ts=reply_thread_ts(event), text=message["text"])
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.error("could not apologize either: %s", exc)


def register(app: App, *, api_url: str) -> None:
    """Install the global error handler."""

    @app.error
    def handle_error(
        error: Exception,
        body: dict,
        client: WebClient,
        respond: Any = None,
        context: Any = None,
        request: BoltRequest | None = None,
    ) -> None:
        event = body.get("event") or {}
        retry = is_retry(request)
        log.error(
            "listener failed: type=%s event=%s action=%s user=%s channel=%s retry=%s: %r",
            body.get("type"),
            event.get("type"),
            ((body.get("actions") or [{}])[0]).get("action_id"),
            user_id(body) or event.get("user"),
            channel_id(body) or event.get("channel"),
            retry,
            error,
            exc_info=error,
        )
        count_listener_failure(surface(body))
        if retry:
            return  # the first delivery apologised already; each retry of one event must not add another
        deps = context.get(CONTEXT_KEY) if context is not None else None
        apologize(body=body, deps=deps, client=client, respond=respond, api_url=api_url)
