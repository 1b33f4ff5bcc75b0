"""The Bolt app factory: wires settings, classifier and store into the listeners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.db import Store
from bot.settings import Settings
from bot.slack import listeners
from bot.slack.announcements import make_outbox
from bot.slack.deps import CONTEXT_KEY, Deps, ServingClassifier
from bot.slack.outbox import Outbox
from bot.slack.preflight import BotIdentity
from bot.slack.reviewers import Reviewers
from model.catalog import Catalog, load_catalog

log = logging.getLogger(__name__)


def direct_retries() -> list[RetryHandler]:
    """Retries for calls made while a user waits (views.open, views.publish, lookups): honour Retry-After and try
    a 5xx once more. Outbox calls have none: the outbox retries them itself, after checking they were not sent."""
    return [
        ConnectionErrorRetryHandler(),
        RateLimitErrorRetryHandler(max_retry_count=1),
        ServerErrorRetryHandler(max_retry_count=1),
    ]


def bot_client(settings: Settings, *, retries: bool = True) -> WebClient:
    """A Web API client with the bot token (for the outbox: retries=False)."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=int(settings.slack_timeout_seconds),
        retry_handlers=direct_retries() if retries else [],
    )


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


def make_deps(
    settings: Settings,
    classifier: ServingClassifier,
    store: Store,
    *,
    catalog: Catalog | None = None,
    outbox: Outbox | None = None,
    answer_inline: bool = True,
) -> Deps:
    """What the listeners (and the responder) work with."""
    return Deps(
        settings=settings,
        classifier=classifier,
        store=store,
        catalog=catalog or load_catalog(settings.catalog_path),
        outbox=outbox or make_outbox(store, bot_client(settings, retries=False), settings=settings),
        reviewers=Reviewers(bot_client(settings), users=settings.reviewer_users, group=settings.reviewer_group),
        answer_inline=answer_inline,
    )


def create_app(
    settings: Settings,
    classifier: ServingClassifier,
    store: Store,
    *,
    catalog: Catalog | None = None,
    socket_mode: bool = False,
    identity: BotIdentity | None = None,
    outbox: Outbox | None = None,
    deps: Deps | None = None,
) -> App:
    """A Bolt App answering mentions, /scope, the message shortcut, quote and feedback interactions and App Home.

    With `identity` (the preflight's auth.test, done once before the server starts) neither a worker's boot nor a
    request asks Slack who the bot is: a worker restarted while Slack is down still comes up and answers. Without
    it (tests building an app in-process) Bolt asks auth.test at the first request. `outbox` is the process's
    (shared with its retry task, so per-channel pacing covers both), `deps` all the
    listeners use (shared with the inbox recovery); by default their own.
    """
    client = bot_client(settings)
    if identity is None:
        bolt: dict[str, Any] = {"client": client, "token_verification_enabled": False}
    else:
        bolt = {
            "client": WebClient(base_url=settings.slack_api_url, retry_handlers=direct_retries()),
            "authorize": _authorize(settings, identity),
        }
    app = App(
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=not socket_mode,
        logger=logging.getLogger("scope_bot.bolt"),
        **bolt,
    )
    deps = deps or make_deps(settings, classifier, store, catalog=catalog, outbox=outbox)

    @app.middleware
    def inject_deps(context: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's argument name
        context[CONTEXT_KEY] = deps
        return next()

    listeners.register(app, api_url=settings.slack_api_url)
    return app
