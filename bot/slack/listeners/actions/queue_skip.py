"""The "Skip (not useful)" button on a message of App Home's uncertain review queue (reviewers only): it leaves
the queue."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.errors import NotFoundError
from bot.services.review_queue import skip_queue_item
from bot.slack.deps import deps_of
from bot.slack.durable import tell_privately
from bot.slack.home import publish_home
from bot.slack.payloads import action_value, user_id
from bot.slack.replies import QUEUE_REPLY
from bot.slack.texts import t

log = logging.getLogger(__name__)


def handle(ack: Any, body: dict, client: WebClient, context: Any) -> None:
    """Take the message off the queue (nothing is learnt from it) and refresh the reviewer's Home tab."""
    ack()
    deps = deps_of(context)
    reviewer = user_id(body)
    value = action_value(body)
    if not deps.reviewers.is_reviewer(reviewer):
        log.warning("user %s is not a reviewer; queue skip of verdict %s ignored", reviewer, value)
        tell_privately(deps, body=body, text=t("en", "queue_reviewers_only"), purpose=QUEUE_REPLY)
        return
    if not value.isdigit():
        log.warning("queue skip by %s ignored: not a verdict id %r", reviewer, value)
        return
    try:
        skip_queue_item(deps.store, verdict_id=int(value), reviewer=reviewer)
    except NotFoundError as exc:
        log.warning("queue skip by %s refused: %s", reviewer, exc)
        tell_privately(deps, body=body, text=t("en", "queue_invalid"), purpose=QUEUE_REPLY)
        return
    publish_home(deps, client=client, user_id=reviewer)
