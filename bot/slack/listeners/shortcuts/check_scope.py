"""Message shortcut 'Check support scope': ephemeral verdict for the chosen message."""

from __future__ import annotations

from typing import Any

from bot.services.triage import Where
from bot.slack.deps import deps_of
from bot.slack.payloads import channel_id, shortcut_message_text, user_id
from bot.slack.texts import t
from bot.slack.ui.verdict import verdict_message


def handle(ack: Any, body: dict, respond: Any, context: Any) -> None:
    """Classify the chosen message and answer privately."""
    ack()
    deps = deps_of(context)
    text = shortcut_message_text(body)
    if not text:
        respond(text=t("en", "empty_command"), response_type="ephemeral", replace_original=False)
        return
    where = Where(
        channel_id=channel_id(body),
        user_id=user_id(body),
        message_ts=(body.get("message") or {}).get("ts"),
        team_id=(body.get("team") or {}).get("id"),
    )
    triage = deps.triage(text, source="shortcut", where=where)
    respond(
        **verdict_message(triage, catalog=deps.catalog, support_group=deps.settings.support_group, private=True),
        response_type="ephemeral",
        replace_original=False,
    )
