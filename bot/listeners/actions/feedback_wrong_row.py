"""'Wrong row …' select under a verdict: the chosen row is stored as the correction."""

from __future__ import annotations

from typing import Any

from bot import blocks
from bot.deps import deps_of
from bot.feedback import feedback_on_verdict, feedback_reply
from bot.payloads import action_value, block_id_suffix, user_id


def handle(ack: Any, body: dict, respond: Any, context: Any) -> None:
    """Store the chosen row as the correction and thank the user privately."""
    ack()
    deps = deps_of(context)
    outcome = feedback_on_verdict(
        store=deps.store,
        catalog=deps.catalog,
        reviewers=deps.reviewers,
        verdict_id=int(block_id_suffix(body, blocks.BLOCK_FEEDBACK) or 0),
        user_id=user_id(body),
        label=action_value(body),
    )
    respond(text=feedback_reply(outcome), response_type="ephemeral", replace_original=False)
