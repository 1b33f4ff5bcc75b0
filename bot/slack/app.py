"""The Bolt app factory: wires settings, classifier and store into the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient

from bot.db import Store
from bot.settings import Settings
from bot.slack import listeners
from bot.slack.announcements import make_outbox
from bot.slack.deps import CONTEXT_KEY, Deps, ServingClassifier
from bot.slack.payloads import event_key
from bot.slack.reviewers import Reviewers
from model.catalog import Catalog, load_catalog

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    classifier: ServingClassifier,
    store: Store,
    *,
    catalog: Catalog | None = None,
    socket_mode: bool = False,
) -> App:
    """A Bolt App answering mentions, /scope, the message shortcut, quote and feedback interactions and App Home."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        logger=logging.getLogger("scope_bot.bolt"),
    )
    deps = Deps(
        settings=settings,
        classifier=classifier,
        store=store,
        catalog=catalog or load_catalog(settings.catalog_path),
        outbox=make_outbox(store, client, retry_seconds=settings.outbox_retry_seconds),
        reviewers=Reviewers(client, users=settings.reviewer_users, group=settings.reviewer_group),
    )

    @app.middleware
    def inject_deps(context: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's argument name
        context[CONTEXT_KEY] = deps
        return next()

    @app.middleware
    def drop_repeated_events(body: dict, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's argument name
        # Slack retries an event it thinks we missed (X-Slack-Retry-Num); the first delivery already acted.
        key = event_key(body)
        if key is not None and not store.events.claim(key):
            log.info("ignoring repeated delivery of %s", key)
            return BoltResponse(status=200, body="")
        return next()

    listeners.register(app)
    return app
