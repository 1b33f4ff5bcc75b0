"""Building Slack's HTTP requests (events, commands, interactivity) with valid or broken signatures."""

from __future__ import annotations

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
