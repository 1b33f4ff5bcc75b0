"""A row button (or the "another row" select) on a message of App Home's uncertain review queue (reviewers only):
the row becomes accepted feedback."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.errors import NotFoundError, ValidationError
from bot.services.feedback_audit import Auditor
from bot.services.review_queue import answer_queue_item
from bot.slack.deps import deps_of
from bot.slack.durable import tell_privately
from bot.slack.home import publish_home
from bot.slack.payloads import action_value, block_id_suffix, user_id
from bot.slack.replies import QUEUE_REPLY
from bot.slack.texts import t
from bot.slack.ui.ids import BLOCK_QUEUE

log = logging.getLogger(__name__)


def handle(ack: Any, body: dict, client: WebClient, context: Any) -> None:
    """Record the clicked row as accepted feedback on the message (once) and refresh the reviewer's Home tab."""
    ack()
    deps = deps_of(context)
    reviewer = user_id(body)
    ref = block_id_suffix(body, BLOCK_QUEUE)
    if not deps.reviewers.is_reviewer(reviewer):
        log.warning("user %s is not a reviewer; queue answer on verdict %s ignored", reviewer, ref)
        tell_privately(deps, body=body, text=t("en", "queue_reviewers_only"), purpose=QUEUE_REPLY)
        return
    if ref is None or not ref.isdigit():
        log.warning("queue answer by %s ignored: no verdict in block %r", reviewer, ref)
        return
    try:
        result = answer_queue_item(
            deps.store,
            catalog=deps.catalog,
            verdict_id=int(ref),
            label=action_value(body),
            reviewer=reviewer,
            auditor=Auditor(deps.classifier.snapshot(), min_confidence=deps.settings.audit_confidence),
        )
    except (NotFoundError, ValidationError) as exc:  # a verdict this database lacks, a forged row
        log.warning("queue answer by %s on verdict %s refused: %s", reviewer, ref, exc)
        tell_privately(deps, body=body, text=t("en", "queue_invalid"), purpose=QUEUE_REPLY)
        return
    if not result.decided:
        log.info("verdict #%s was decided before (%s by %s)", ref, result.decision.outcome, result.decision.decided_by)
    publish_home(deps, client=client, user_id=reviewer)
