"""'Correct' button under a verdict: the predicted row is confirmed as feedback."""

from __future__ import annotations

from typing import Any

from bot.deps import deps_of
from bot.feedback import feedback_on_verdict, feedback_reply
from bot.payloads import action_value, user_id


def handle(ack: Any, body: dict, respond: Any, context: Any) -> None:
    """Store the confirmation and thank the user privately."""
    ack()
    deps = deps_of(context)
    outcome = feedback_on_verdict(
        store=deps.store,
        catalog=deps.catalog,
        reviewers=deps.reviewers,
        verdict_id=int(action_value(body)),
        user_id=user_id(body),
    )
    respond(text=feedback_reply(outcome), response_type="ephemeral", replace_original=False)
