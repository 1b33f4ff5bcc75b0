"""'Correct' button under a verdict: the predicted row is confirmed as feedback."""

from __future__ import annotations

from typing import Any

from bot.services.feedback import feedback_on_verdict
from bot.slack.deps import deps_of
from bot.slack.payloads import action_value, user_id
from bot.slack.texts import feedback_reply
from bot.slack.ui.ids import parse_answer_ref


def handle(ack: Any, body: dict, respond: Any, context: Any) -> None:
    """Store the confirmation and thank the user privately."""
    ack()
    deps = deps_of(context)
    user = user_id(body)
    verdict_id, part = parse_answer_ref(action_value(body))
    outcome = feedback_on_verdict(
        deps.store,
        catalog=deps.catalog,
        verdict_id=verdict_id,
        part=part,
        user_id=user,
        trusted=deps.reviewers.is_reviewer(user),
    )
    respond(text=feedback_reply(outcome), response_type="ephemeral", replace_original=False)
