"""Block Kit composition objects and the few block shapes every surface uses."""

from __future__ import annotations

from typing import Any

SECTION_CHARS = 3000
BUTTON_CHARS = 75


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object. verbatim: Slack formats our markup and <@U…> mentions, but does not turn a URL or
    channel name in echoed user text into a link (escaping and texts.neutralize do the rest)."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str, limit: int = SECTION_CHARS) -> dict[str, Any]:
    """A plain_text object cut to `limit` characters."""
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def section(text: str) -> dict[str, Any]:
    """A section block of mrkdwn text."""
    return {"type": "section", "text": mrkdwn(text[:SECTION_CHARS])}


def context(text: str) -> dict[str, Any]:
    """A context block of one mrkdwn element."""
    return {"type": "context", "elements": [mrkdwn(text[:SECTION_CHARS])]}


def header(text: str) -> dict[str, Any]:
    """A header block."""
    return {"type": "header", "text": plain(text, 150)}


def button(text: str, *, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    """A button element."""
    element = {"type": "button", "text": plain(text, BUTTON_CHARS), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element
