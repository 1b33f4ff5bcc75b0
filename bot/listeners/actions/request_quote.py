"""'Request a quote' button: open the quote modal prefilled with the original message and detected row."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot import blocks
from bot.deps import deps_of
from bot.payloads import action_value, channel_id


def handle(ack: Any, body: dict, client: WebClient, context: Any) -> None:
    """Open the quote modal for the verdict the button belongs to."""
    ack()
    deps = deps_of(context)
    verdict = deps.store.verdict(int(action_value(body)))
    view = blocks.quote_modal(
        catalog=deps.catalog,
        lang=verdict["lang"],
        original_text=verdict["text"],
        detected_label=verdict["label"],
        private_metadata={"verdict_id": verdict["id"], "channel_id": channel_id(body), "lang": verdict["lang"]},
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)
