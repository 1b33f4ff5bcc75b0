"""Accept / Discard on a pending feedback item in App Home (reviewers only)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.services.feedback import review_feedback
from bot.slack.deps import deps_of
from bot.slack.home import publish_home
from bot.slack.payloads import action_id, action_value, user_id
from bot.slack.ui.ids import ACTION_REVIEW_ACCEPT

log = logging.getLogger(__name__)


def handle(ack: Any, body: dict, client: WebClient, context: Any) -> None:
    """Accept or discard one pending feedback item and refresh the reviewer's Home tab."""
    ack()
    deps = deps_of(context)
    reviewer = user_id(body)
    if not deps.reviewers.is_reviewer(reviewer):
        log.warning("user %s is not a reviewer; review of feedback #%s ignored", reviewer, action_value(body))
        return
    accept = action_id(body) == ACTION_REVIEW_ACCEPT
    review_feedback(deps.store, int(action_value(body)), accept=accept, reviewer=reviewer)
    publish_home(deps, client=client, user_id=reviewer)
