"""The Bolt app factory: wires settings, classifier and store into the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.db import Store
from bot.settings import Settings
from bot.slack import listeners
from bot.slack.announcements import make_outbox
from bot.slack.deps import CONTEXT_KEY, Deps, ServingClassifier
from bot.slack.payloads import event_key
from bot.slack.preflight import BotIdentity
from bot.slack.reviewers import Reviewers
from model.catalog import Catalog, load_catalog

log = logging.getLogger(__name__)


def bot_client(settings: Settings) -> WebClient:
    """A Web API client with the bot token."""
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)


def _authorize(settings: Settings, identity: BotIdentity) -> Callable[..., AuthorizeResult]:
    def authorize(**_: Any) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=None,
            team_id=identity.team_id,
            bot_id=identity.bot_id,
            bot_user_id=identity.user_id,
            bot_token=settings.slack_bot_token,
        )

    return authorize


def create_app(
    settings: Settings,
    classifier: ServingClassifier,
    store: Store,
    *,
    catalog: Catalog | None = None,
    socket_mode: bool = False,
    identity: BotIdentity | None = None,
) -> App:
    """A Bolt App answering mentions, /scope, the message shortcut, quote and feedback interactions and App Home.

    With `identity` (the preflight's auth.test, done once before the server starts) neither a worker's boot nor a
    request asks Slack who the bot is: a worker restarted while Slack is down still comes up and answers. Without
    it (tests building an app in-process) Bolt asks auth.test at the first request.
    """
    client = bot_client(settings)
    if identity is None:
        bolt: dict[str, Any] = {"client": client, "token_verification_enabled": False}
    else:
        bolt = {"client": WebClient(base_url=settings.slack_api_url), "authorize": _authorize(settings, identity)}
    app = App(
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        logger=logging.getLogger("scope_bot.bolt"),
        **bolt,
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

    listeners.register(app, api_url=settings.slack_api_url)
    return app
