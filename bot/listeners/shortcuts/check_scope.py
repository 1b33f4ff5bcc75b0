"""Message shortcut 'Check support scope': ephemeral verdict for the chosen message."""

from __future__ import annotations

from typing import Any

from bot import blocks
from bot.deps import deps_of
from bot.payloads import channel_id, shortcut_message_text, user_id
from bot.texts import t


def handle(ack: Any, body: dict, respond: Any, context: Any) -> None:
    """Classify the chosen message and answer privately."""
    ack()
    deps = deps_of(context)
    text = shortcut_message_text(body)
    if not text:
        respond(text=t("en", "empty_command"), response_type="ephemeral", replace_original=False)
        return
    triage = deps.triage(
        text,
        source="shortcut",
        channel_id=channel_id(body),
        user_id=user_id(body),
        message_ts=(body.get("message") or {}).get("ts"),
        team_id=(body.get("team") or {}).get("id"),
    )
    respond(
        **blocks.verdict_message(triage, catalog=deps.catalog, support_group=deps.settings.support_group, private=True),
        response_type="ephemeral",
        replace_original=False,
    )
