"""Outgoing messages as outbox calls: a post to a channel or thread, or an answer through a response_url."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from bot.db import OutboxCall

# Not a Web API method: the outbox POSTs `message` to the payload's `url` (a response_url Slack handed us).
RESPOND = "response_url"
POST = "chat.postMessage"


def slack_host(url: str, *, api_url: str) -> bool:
    """A response_url on Slack's hosts (or on the configured Web API's host, a local fake in tests)."""
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower()
    return parsed.scheme in ("https", "http") and (
        host == "slack.com" or host.endswith(".slack.com") or host == (urlparse(api_url).hostname or "").lower()
    )


def post_call(
    *,
    channel: str,
    message: Mapping[str, Any],
    purpose: str,
    thread_ts: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxCall:
    """chat.postMessage of `message` (text, blocks, metadata ...) to `channel`, in `thread_ts`'s thread if given."""
    payload: dict[str, Any] = {"channel": channel, **message}
    if thread_ts:
        payload["thread_ts"] = thread_ts
    return OutboxCall(method=POST, payload=payload, purpose=purpose, dedupe_key=dedupe_key)


def respond_call(
    *,
    response_url: str,
    message: Mapping[str, Any],
    purpose: str,
    dedupe_key: str | None = None,
    replace_original: bool = False,
) -> OutboxCall:
    """An ephemeral answer (shown only to the user who acted) through the interaction's response_url, or with
    replace_original a new version of the message that was clicked."""
    body: dict[str, Any] = {"replace_original": replace_original, **message}
    if not replace_original:
        body["response_type"] = "ephemeral"
    return OutboxCall(
        method=RESPOND, payload={"url": response_url, "message": body}, purpose=purpose, dedupe_key=dedupe_key
    )


MENTION_REPLY = "mention_reply"
SHORTCUT_REPLY = "shortcut_reply"
FEEDBACK_REPLY = "feedback_reply"
STATUS_REPLY = "quote_status_reply"
QUEUE_REPLY = "review_queue_reply"
APOLOGY = "apology"
