"""Block action listeners (buttons and selects)."""

import re

from slack_bolt import App

from bot.slack.listeners.actions import (
    feedback_correct,
    feedback_wrong_row,
    queue_answer,
    queue_skip,
    quote_status,
    request_quote,
    review_feedback,
)
from bot.slack.ui import ids


def register(app: App) -> None:
    """Register every block action."""
    app.action(re.compile(rf"^{re.escape(ids.ACTION_REQUEST_QUOTE)}(?::\d+)?$"))(request_quote.handle)
    app.action(ids.ACTION_FEEDBACK_CORRECT)(feedback_correct.handle)
    app.action(ids.ACTION_FEEDBACK_WRONG)(feedback_wrong_row.handle)
    app.action(re.compile(rf"^{re.escape(ids.ACTION_QUOTE_STATUS)}:"))(quote_status.handle)
    app.action(ids.ACTION_REVIEW_ACCEPT)(review_feedback.handle)
    app.action(ids.ACTION_REVIEW_DISCARD)(review_feedback.handle)
    app.action(re.compile(rf"^{re.escape(ids.ACTION_QUEUE_ANSWER)}:\d+$"))(queue_answer.handle)
    app.action(ids.ACTION_QUEUE_OTHER_ROW)(queue_answer.handle)
    app.action(ids.ACTION_QUEUE_SKIP)(queue_skip.handle)
