"""Block action listeners (buttons and selects)."""

import re

from slack_bolt import App

from bot import blocks
from bot.listeners.actions import feedback_correct, feedback_wrong_row, quote_status, request_quote, review_feedback


def register(app: App) -> None:
    """Register every block action."""
    app.action(blocks.ACTION_REQUEST_QUOTE)(request_quote.handle)
    app.action(blocks.ACTION_FEEDBACK_CORRECT)(feedback_correct.handle)
    app.action(blocks.ACTION_FEEDBACK_WRONG)(feedback_wrong_row.handle)
    app.action(re.compile(rf"^{re.escape(blocks.ACTION_QUOTE_STATUS)}:"))(quote_status.handle)
    app.action(blocks.ACTION_REVIEW_ACCEPT)(review_feedback.handle)
    app.action(blocks.ACTION_REVIEW_DISCARD)(review_feedback.handle)
