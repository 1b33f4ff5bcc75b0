"""Building a running bot from settings: store, live classifier, Bolt app and background tasks."""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_bolt import App
from slack_sdk import WebClient

from bot.db import Store
from bot.serve.live_model import LiveClassifier
from bot.serve.periodic import PeriodicTask
from bot.settings import Settings
from bot.slack.announcements import make_outbox
from bot.slack.app import bot_client, create_app
from bot.slack.preflight import BotIdentity
from model.catalog import load_catalog

PRUNE_INTERVAL_SECONDS = 3600.0
# Slack retries an event within minutes; a week of event ids is ample to drop every repeat.
PROCESSED_EVENTS_DAYS = 7


@dataclass
class Runtime:
    settings: Settings
    store: Store
    classifier: LiveClassifier
    app: App
    web_client: WebClient  # the bot token's client, for calls made outside a request (outbox retries)
    tasks: list[PeriodicTask] = field(default_factory=list)

    def start_background(self) -> None:
        """Start this process's model-reload checks, outbox retries and pruning of old event ids."""
        outbox = make_outbox(self.store, self.web_client, retry_seconds=self.settings.outbox_retry_seconds)
        self.tasks = [
            PeriodicTask("model-reload", self.classifier.maybe_reload, interval=self.settings.model_reload_seconds),
            PeriodicTask("outbox", outbox.flush, interval=self.settings.outbox_retry_seconds),
            PeriodicTask(
                "prune-events",
                lambda: self.store.events.prune(older_than_days=PROCESSED_EVENTS_DAYS),
                interval=PRUNE_INTERVAL_SECONDS,
            ),
        ]
        for task in self.tasks:
            task.start()

    def task_health(self) -> dict[str, bool]:
        """Background task name -> whether its thread is alive."""
        return {task.task_name: task.is_alive() for task in self.tasks}

    def stop(self) -> None:
        """Stop background tasks and close the database."""
        for task in self.tasks:
            task.stop()
        self.store.close()


def build_runtime(settings: Settings, *, identity: BotIdentity | None = None, socket_mode: bool = False) -> Runtime:
    """Open the store, load the current model (ModelNotFoundError if none) and create the app.

    With the bot's `identity` (found once by the preflight), nothing here or in a request asks Slack who we are.
    """
    store = Store.open(settings.db_url)
    catalog = load_catalog(settings.catalog_path)
    classifier = LiveClassifier(settings.model_dir, labels=catalog.labels, key=settings.model_key)
    app = create_app(settings, classifier, store, catalog=catalog, socket_mode=socket_mode, identity=identity)
    return Runtime(settings=settings, store=store, classifier=classifier, app=app, web_client=bot_client(settings))
