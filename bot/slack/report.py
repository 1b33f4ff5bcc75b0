"""The weekly scope report in Slack: the report text as a message, then the chart as an uploaded file."""

from __future__ import annotations

from bot.db import OutboxCall
from bot.slack.replies import post_call
from bot.slack.texts import echo
from bot.slack.uploads import upload_call

REPORT_POST = "scope_report"
REPORT_CHART = "scope_report_chart"
REPORT_PURPOSES = (REPORT_POST, REPORT_CHART)
# Slack cuts a message's text at 40,000 characters; a report stays far below, this keeps it one readable post.
MAX_TEXT_CHARS = 3500


def report_calls(*, channel: str, title: str, text: str, chart: bytes, chart_name: str, key: str) -> list[OutboxCall]:
    """The message with the report `text` (in a code block) and the upload of the chart PNG, in that order, with
    dedupe keys made from `key` (one report of one period to one channel), so that a second run queues nothing.

    The text echoes what users wrote (the uncovered requests): escaped, so none can ping anyone or link, and
    neutralised, so no ``` in it can close the code block.
    """
    body = text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS].rstrip() + "\n…"
    message = {"text": f"*{echo(title)}*\n```{echo(body)}```"}
    return [
        post_call(channel=channel, message=message, purpose=REPORT_POST, dedupe_key=f"{key}:message"),
        upload_call(
            channel=channel,
            filename=chart_name,
            content=chart,
            title=title,
            alt_txt="Messages per day by verdict, and out-of-scope answers, quote requests and quotes sent",
            purpose=REPORT_CHART,
            dedupe_key=f"{key}:chart",
        ),
    ]
