"""App Home: scope tables, model version and figures, last-7-days counts, review queue for reviewers."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.slack.deps import deps_of
from bot.slack.home import publish_home


def handle(ack: Any, event: dict, client: WebClient, context: Any) -> None:
    """Publish the Home tab for the user who opened it."""
    ack()
    if event.get("tab", "home") != "home":
        return
    publish_home(deps_of(context), client=client, user_id=event["user"])
