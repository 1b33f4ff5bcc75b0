"""'Wrong row …' select under a verdict: the chosen row is stored as the correction."""

from __future__ import annotations

from typing import Any

from bot.services.feedback import feedback_on_verdict
from bot.services.feedback_audit import Auditor
from bot.slack.deps import deps_of
from bot.slack.durable import answer_privately
from bot.slack.payloads import action_value, block_id_suffix, user_id
from bot.slack.replies import FEEDBACK_REPLY
from bot.slack.texts import feedback_reply
from bot.slack.ui.ids import BLOCK_FEEDBACK, parse_answer_ref


def handle(ack: Any, body: dict, context: Any) -> None:
    """Store the chosen row as the correction and thank the user privately."""
    ack()
    deps = deps_of(context)
    user = user_id(body)
    verdict_id, part = parse_answer_ref(block_id_suffix(body, BLOCK_FEEDBACK) or "0")
    outcome = feedback_on_verdict(
        deps.store,
        catalog=deps.catalog,
        verdict_id=verdict_id,
        part=part,
        user_id=user,
        trusted=deps.reviewers.is_reviewer(user),
        label=action_value(body),
        # Reviewers too: a correction against a confident answer waits for a second look.
        auditor=Auditor(deps.classifier.snapshot(), min_confidence=deps.settings.audit_confidence),
    )
    answer_privately(deps, body=body, message={"text": feedback_reply(outcome)}, purpose=FEEDBACK_REPLY)
