"""Message shortcut 'Check support scope': ephemeral verdict for the chosen message.

The verdict and its reply are stored in one transaction before the acknowledgement, then sent through the
response_url: a Slack outage delays the answer instead of losing it.
"""

from __future__ import annotations

from typing import Any

from bot.db import Tx
from bot.services.triage import Where, assess, record
from bot.slack.deps import deps_of
from bot.slack.durable import queue_reply
from bot.slack.payloads import channel_id, request_id, shortcut_message_text, user_id
from bot.slack.replies import SHORTCUT_REPLY, respond_call
from bot.slack.texts import t
from bot.slack.ui.verdict import verdict_message


def handle(ack: Any, body: dict, context: Any) -> None:
    """Classify the chosen message and answer privately."""
    deps = deps_of(context)
    text = shortcut_message_text(body)
    assessment = assess(text, classifier=deps.classifier) if text else None
    where = Where(
        channel_id=channel_id(body),
        user_id=user_id(body),
        message_ts=(body.get("message") or {}).get("ts"),
        team_id=(body.get("team") or {}).get("id"),
        request_id=request_id(body),
    )

    def reply(tx: Tx) -> Any:
        if assessment is None:
            message: dict[str, Any] = {"text": t("en", "empty_command")}
        else:
            triage = record(assessment, catalog=deps.catalog, records=tx, source="shortcut", where=where)
            message = verdict_message(
                triage, catalog=deps.catalog, support_group=deps.settings.support_group, private=True
            )
        return respond_call(response_url=body["response_url"], message=message, purpose=SHORTCUT_REPLY)

    reply_id = queue_reply(deps.store, build=reply)
    ack()
    deps.outbox.deliver(reply_id)
