"""Was it posted already? Each post carries its outbox id in message metadata; after a send that may have reached
Slack (a crash, a timeout), the channel's recent history is searched for that id before the post is sent again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient

from bot.db import OutboxItem

OUTBOX_ID_FIELD = "scope_bot_outbox_id"
TAG_EVENT_TYPE = "scope_bot_message"
# History is searched from this long before the first unconfirmed send (clock skew between us and Slack).
LOOKBACK_SECONDS = 300.0
MAX_PAGES = 5


def tagged(payload: Mapping[str, Any], outbox_id: int) -> dict[str, Any]:
    """A chat.postMessage payload whose message metadata names `outbox_id` (kept beside any metadata it has)."""
    metadata = dict(payload.get("metadata") or {})
    event_payload = {**(metadata.get("event_payload") or {}), OUTBOX_ID_FIELD: outbox_id}
    return {
        **payload,
        "metadata": {"event_type": metadata.get("event_type") or TAG_EVENT_TYPE, "event_payload": event_payload},
    }


def _conversation(client: WebClient, channel: str) -> str:
    # A post to a user id lands in the DM with that user; history is read from the DM's own id.
    if channel[:1] in ("U", "W"):
        opened = client.conversations_open(users=channel)
        return str(opened["channel"]["id"])
    return channel


def find_posted(client: WebClient, item: OutboxItem) -> dict[str, Any] | None:
    """The message `item` posted, as {"channel", "ts", "message"}, if Slack has it; else None.

    Raises slack_sdk's errors when the history cannot be read; the caller decides whether to retry or send.
    """
    since = item.unconfirmed_since
    if since is None:
        return None
    channel = _conversation(client, str(item.payload["channel"]))
    oldest = f"{since.timestamp() - LOOKBACK_SECONDS:.6f}"
    thread_ts = item.payload.get("thread_ts")
    cursor = None
    for _ in range(MAX_PAGES):
        args: dict[str, Any] = {"channel": channel, "oldest": oldest, "include_all_metadata": True, "limit": 200}
        if cursor:
            args["cursor"] = cursor
        page = client.conversations_replies(ts=thread_ts, **args) if thread_ts else client.conversations_history(**args)
        for message in page.get("messages") or []:
            event_payload = (message.get("metadata") or {}).get("event_payload") or {}
            if event_payload.get(OUTBOX_ID_FIELD) == item.id:
                return {"channel": channel, "ts": message.get("ts"), "message": message}
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None
