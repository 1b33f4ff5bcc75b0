"""Building a running bot from settings: store, live classifier, Bolt app and background tasks.

Three roles: ONE_PROCESS (Socket Mode: answers mentions itself and runs every background task), WEB (a gunicorn
worker of `scope-bot serve`: stores and acknowledges, answers /scope, shortcuts and buttons) and RESPONDER (the
process `serve` runs beside its workers: answers the stored mentions and delivers and retries the outbox).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slack_bolt import App

from bot.db import Store
from bot.metrics import model_in_use
from bot.serve.live_model import LiveClassifier
from bot.serve.periodic import PeriodicTask
from bot.services.model_store import open_model_store
from bot.settings import Settings
from bot.slack.announcements import make_outbox
from bot.slack.app import bot_client, create_app, make_deps
from bot.slack.deps import Deps
from bot.slack.inbox import answer_after_burst, answer_waiting
from bot.slack.outbox import Outbox
from bot.slack.preflight import BotIdentity
from model.catalog import load_catalog

ONE_PROCESS, WEB, RESPONDER = "one-process", "web", "responder"
PRUNE_INTERVAL_SECONDS = 3600.0
# Due outbox calls are looked for this often: retries, and posts held back by the per-channel pacing.
OUTBOX_POLL_SECONDS = 1.0
# The responder looks for stored mentions this often (the time a reply may wait before it is worked on).
RESPONDER_POLL_SECONDS = 0.05
ORPHAN_POLL_SECONDS = 5.0
# Slack retries an event within minutes; a week of event ids is ample to drop every repeat.
PROCESSED_EVENTS_DAYS = 7


@dataclass
class Runtime:
    settings: Settings
    store: Store
    classifier: LiveClassifier
    deps: Deps  # what the listeners (or the responder) work with; deps.outbox delivers this process's Slack calls
    role: str
    app: App | None = None  # none in the responder, which answers no requests
    tasks: list[PeriodicTask] = field(default_factory=list)

    @property
    def outbox(self) -> Outbox:
        """This process's delivery of queued Slack calls."""
        return self.deps.outbox

    def start_background(self) -> None:
        """Start this role's tasks: model reloads always; outbox deliveries, mention answers and pruning where
        this process does them."""
        settings = self.settings
        self.tasks = [
            PeriodicTask("model-reload", self.classifier.maybe_reload, interval=settings.model_reload_seconds)
        ]
        if self.role in (ONE_PROCESS, RESPONDER):
            outbox_interval = min(OUTBOX_POLL_SECONDS, settings.outbox_retry_seconds)
            if self.role == RESPONDER:
                inbox = PeriodicTask(
                    "answer-mentions",
                    lambda: answer_after_burst(self.deps),
                    interval=RESPONDER_POLL_SECONDS,
                )
            else:
                inbox = PeriodicTask("inbox", lambda: answer_waiting(self.deps), interval=ORPHAN_POLL_SECONDS)
            self.tasks += [
                PeriodicTask("outbox", self.outbox.flush, interval=outbox_interval),
                inbox,
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


def build_runtime(
    settings: Settings,
    *,
    identity: BotIdentity | None = None,
    socket_mode: bool = False,
    role: str = ONE_PROCESS,
) -> Runtime:
    """Open the store, load the current model (ModelNotFoundError if none) and, except for the responder, create
    the app.

    With the bot's `identity` (found once by the preflight), nothing here or in a request asks Slack who we are.
    """
    store = Store.open(settings.db_url)
    catalog = load_catalog(settings.catalog_path)
    classifier = LiveClassifier(open_model_store(settings, store), labels=catalog.labels)
    model_in_use(classifier.version)  # here, not in the preflight's check: that process serves nothing
    outbox = make_outbox(store, bot_client(settings, retries=False), settings=settings)
    deps = make_deps(settings, classifier, store, catalog=catalog, outbox=outbox, answer_inline=role == ONE_PROCESS)
    app = None
    if role != RESPONDER:
        app = create_app(settings, classifier, store, socket_mode=socket_mode, identity=identity, deps=deps)
    return Runtime(settings=settings, store=store, classifier=classifier, deps=deps, role=role, app=app)
