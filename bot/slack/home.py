"""Publishing the App Home view (on app_home_opened, and after a review decision)."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.services.overview import overview
from bot.slack.deps import Deps
from bot.slack.ui.home import home_view


def publish_home(deps: Deps, *, client: WebClient, user_id: str) -> None:
    """views.publish the Home tab for `user_id`."""
    classifier = deps.classifier.snapshot()
    manifest = classifier.manifest
    view = home_view(
        catalog=deps.catalog,
        model_version=classifier.version,
        model_metrics=manifest.metrics if manifest else None,
        overview=overview(deps.store, with_review_queue=deps.reviewers.is_reviewer(user_id)),
    )
    client.views_publish(user_id=user_id, view=view)
