"""Building and publishing the App Home view (also refreshed after a review decision)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot import blocks
from bot.deps import Deps


def publish_home(deps: Deps, *, client: WebClient, user_id: str) -> None:
    """views.publish the Home tab for `user_id`."""
    classifier = deps.classifier.snapshot()
    manifest = classifier.manifest
    pending = deps.store.feedback_items(status="pending", limit=20) if deps.reviewers.is_reviewer(user_id) else []
    view = blocks.home_view(
        catalog=deps.catalog,
        model_version=classifier.version,
        model_metrics=manifest.metrics if manifest else {},
        verdict_counts=deps.store.verdict_counts(days=7),
        quote_count=deps.store.quote_count(days=7),
        pending_feedback=pending,
    )
    client.views_publish(user_id=user_id, view=view)
