"""Reading Block Kit structures in tests: the texts Slack renders and the interactive elements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def text_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every composition text object ({"type": "mrkdwn" | "plain_text", "text": ...}) anywhere in `node`."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from text_objects(value)


def mrkdwn_texts(node: Any) -> list[str]:
    """Texts Slack parses for mentions, links and formatting."""
    return [o["text"] for o in text_objects(node) if o["type"] == "mrkdwn"]


def rendered_text(node: Any) -> str:
    """All text objects of `node`, joined: what a reader sees."""
    return "\n".join(o["text"] for o in text_objects(node))


def elements(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Interactive elements of actions blocks."""
    for block in blocks:
        if block.get("type") == "actions":
            yield from block["elements"]


def element(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any] | None:
    """The interactive element with `action_id`, or None."""
    return next((e for e in elements(blocks) if e.get("action_id") == action_id), None)


def block(blocks: list[dict[str, Any]], block_id: str) -> dict[str, Any] | None:
    """The block with `block_id`, or None."""
    return next((b for b in blocks if b.get("block_id") == block_id), None)
