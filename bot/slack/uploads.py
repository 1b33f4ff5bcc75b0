"""File uploads through the outbox: the file's bytes are stored in the row (base64), so a queued upload survives
the loss of the disk it was written to, and is delivered with files_upload_v2 (getUploadURLExternal, the upload,
completeUploadExternal).

Send once: the delivered file's name carries the outbox id (`chart.outbox-17.png`); after a send that may have
reached Slack, the channel's recent history is searched for a message sharing a file of that name first.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from slack_sdk import WebClient

from bot.db import OutboxCall, OutboxItem
from bot.slack.sent_check import LOOKBACK_SECONDS, MAX_PAGES

# Not a Web API method: the outbox calls client.files_upload_v2 with the payload (bot.slack.outbox).
UPLOAD = "files.upload_v2"


def upload_call(
    *,
    channel: str,
    filename: str,
    content: bytes,
    title: str,
    purpose: str,
    alt_txt: str = "",
    dedupe_key: str | None = None,
) -> OutboxCall:
    """An upload of `content` as `filename` to `channel`, shown with `title`."""
    payload = {
        "channel": channel,
        "filename": filename,
        "title": title,
        "alt_txt": alt_txt,
        "content_base64": base64.b64encode(content).decode("ascii"),
    }
    return OutboxCall(method=UPLOAD, payload=payload, purpose=purpose, dedupe_key=dedupe_key)


def file_bytes(payload: Mapping[str, Any]) -> bytes:
    """The stored file; ValueError if the row holds none."""
    try:
        content = base64.b64decode(str(payload["content_base64"]), validate=True)
    except (KeyError, binascii.Error) as exc:
        raise ValueError(f"upload row holds no valid base64 file: {exc}") from exc
    if not content:
        raise ValueError("upload row holds an empty file")
    return content


def tagged_filename(filename: str, outbox_id: int) -> str:
    """`filename` with the outbox id before its suffix: what the history check looks for."""
    name = PurePosixPath(filename or "file")
    return f"{name.stem}.outbox-{outbox_id}{name.suffix}"


def upload(client: WebClient, item: OutboxItem) -> dict[str, Any]:
    """Upload the file of `item` and share it in its channel; Slack's answer. Raises slack_sdk's errors (and
    ValueError for a row without a file)."""
    payload = item.payload
    answer = client.files_upload_v2(
        channel=str(payload["channel"]),
        file=file_bytes(payload),
        filename=tagged_filename(str(payload.get("filename") or ""), item.id),
        title=str(payload.get("title") or payload.get("filename") or "file"),
        alt_txt=str(payload.get("alt_txt") or "") or None,
    )
    return answer.data if isinstance(answer.data, dict) else {}


def find_uploaded(client: WebClient, item: OutboxItem) -> dict[str, Any] | None:
    """The message that shared the file of `item`, as {"channel", "ts", "message"}, if Slack has it; else None.

    Raises slack_sdk's errors when the history cannot be read; the caller decides whether to retry or send.
    """
    since = item.unconfirmed_since
    if since is None:
        return None
    channel = str(item.payload["channel"])
    name = tagged_filename(str(item.payload.get("filename") or ""), item.id)
    oldest = f"{since.timestamp() - LOOKBACK_SECONDS:.6f}"
    cursor = None
    for _ in range(MAX_PAGES):
        args: dict[str, Any] = {"channel": channel, "oldest": oldest, "limit": 200}
        if cursor:
            args["cursor"] = cursor
        page = client.conversations_history(**args)
        for message in page.get("messages") or []:
            if any(f.get("name") == name for f in message.get("files") or []):
                return {"channel": channel, "ts": message.get("ts"), "message": message}
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None
