"""@scope-bot in a channel: reply in the mention's thread, visible to the channel."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.services.triage import Where
from bot.slack.deps import deps_of
from bot.slack.payloads import mention_text, reply_thread_ts
from bot.slack.texts import t
from bot.slack.ui.help import help_blocks
from bot.slack.ui.verdict import verdict_message, verdict_metadata


def handle(ack: Any, event: dict, body: dict, client: WebClient, context: Any) -> None:
    """Classify the mention and reply in its thread with the verdict and metadata."""
    ack()
    deps = deps_of(context)
    text = mention_text(event)
    thread_ts = reply_thread_ts(event)
    if not text:
        client.chat_postMessage(
            channel=event["channel"], thread_ts=thread_ts, text=t("en", "empty_command"), blocks=help_blocks("en")
        )
        return
    where = Where(
        channel_id=event.get("channel"),
        user_id=event.get("user"),
        message_ts=event.get("ts"),
        team_id=body.get("team_id"),
    )
    triage = deps.triage(text, source="mention", where=where)
    client.chat_postMessage(
        channel=event["channel"],
        thread_ts=thread_ts,
        **verdict_message(triage, catalog=deps.catalog, support_group=deps.settings.support_group),
        metadata=verdict_metadata(triage),
        unfurl_links=False,
    )
