"""'Wrong row …' select under a verdict: the chosen row is stored as the correction."""

from __future__ import annotations

from typing import Any

from bot.deps import deps_of
from bot.listeners.actions.feedback_reply import store_feedback
from bot.payloads import action_value, block_id_suffix


def handle(ack: Any, body: dict, respond: Any, context: Any) -> None:
    ack()
    verdict_id = int(block_id_suffix(body, "feedback") or 0)
    store_feedback(deps_of(context), body=body, respond=respond, verdict_id=verdict_id, label=action_value(body))
