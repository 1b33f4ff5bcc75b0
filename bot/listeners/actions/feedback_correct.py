"""'Correct' button under a verdict: the predicted row is confirmed as feedback."""

from __future__ import annotations

from typing import Any

from bot.deps import deps_of
from bot.listeners.actions.feedback_reply import store_feedback
from bot.payloads import action_value


def handle(ack: Any, body: dict, respond: Any, context: Any) -> None:
    ack()
    verdict_id = int(action_value(body))
    deps = deps_of(context)
    label = deps.store.verdict(verdict_id)["label"]
    store_feedback(deps, body=body, respond=respond, verdict_id=verdict_id, label=label)
