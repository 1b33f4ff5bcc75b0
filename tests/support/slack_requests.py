"""Building Slack's HTTP requests (events, commands, interactivity) with valid or broken signatures."""

from __future__ import annotations

import io
import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
REVIEWER = "U0REVIEWER"  # the reviewer the listener tests' bot trusts (tests/bot/slack/conftest.py)


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    """Headers Slack sends, with an X-Slack-Signature over `body` made with `secret`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}


def wsgi_environ(body: bytes, headers: dict[str, str], *, method: str = "POST", length: int | None = None) -> dict:
    """A WSGI environ for a request to /slack/events with `body` and those of `headers` Slack's checks read."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/slack/events",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": headers.get("Content-Type", ""),
        "CONTENT_LENGTH": str(len(body) if length is None else length),
        "wsgi.input": io.BytesIO(body),
    }
    for name in ("X-Slack-Request-Timestamp", "X-Slack-Signature"):
        if name in headers:
            env["HTTP_" + name.upper().replace("-", "_")] = headers[name]
    return env


def signed_environ(body: str, *, content_type: str, **header_overrides: str) -> dict:
    """wsgi_environ of `body` with a valid signature (headers replaced by `header_overrides`)."""
    return wsgi_environ(body.encode(), {**signed_headers(body, content_type=content_type), **header_overrides})


def event_body(event: dict[str, Any], *, event_id: str = "Ev0001", team_id: str = "T0001") -> str:
    """An Events API event_callback envelope as JSON text."""
    return json.dumps(
        {
            "token": "legacy",
            "team_id": team_id,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team_id, "user_id": "UBOT0001", "is_bot": True}],
        }
    )


def mention_event(
    text: str,
    *,
    ts: str = "1700000000.000100",
    channel: str = "C0SUPPORT",
    user: str = "U0CUSTOMER",
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An app_mention event."""
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@UBOT0001> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def command_body(text: str, *, response_url: str, user_id: str = "U0CUSTOMER", channel_id: str = "C0SUPPORT") -> str:
    """A /scope slash command as form-encoded text."""
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0001",
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": "support",
            "user_id": user_id,
            "user_name": "customer",
            "command": "/scope",
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": "trigger-1",
        }
    )


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity request (block_actions, view_submission, message_action) as form-encoded text."""
    return urlencode({"payload": json.dumps(payload)})
