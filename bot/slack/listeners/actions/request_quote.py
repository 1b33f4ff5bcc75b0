"""'Request a quote' button: open the quote modal prefilled with the original message (or, in a mixed answer, the
paid part) and the detected row."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.services.quotes import quote_draft
from bot.slack.deps import deps_of
from bot.slack.payloads import action_value, channel_id
from bot.slack.ui.ids import parse_answer_ref
from bot.slack.ui.quotes import quote_modal


def handle(ack: Any, body: dict, client: WebClient, context: Any) -> None:
    """Open the quote modal for the verdict the button belongs to."""
    ack()
    deps = deps_of(context)
    verdict_id, part = parse_answer_ref(action_value(body))
    draft = quote_draft(deps.store, verdict_id, part=part)
    meta = {"verdict_id": draft.verdict_id, "part": part, "channel_id": channel_id(body), "lang": draft.lang}
    view = quote_modal(catalog=deps.catalog, draft=draft, private_metadata=meta)
    client.views_open(trigger_id=body["trigger_id"], view=view)
