"""What /healthz reports: requests are served (HTTP 200) even when degraded; the reasons say what needs a person."""

from __future__ import annotations

import os
import socket
from dataclasses import asdict, dataclass
from typing import Any

from bot.db import Store
from bot.errors import StoreError
from bot.serve.live_model import LiveClassifier

# A stored mention is answered within a second or two; one waiting this long means nobody is answering.
UNANSWERED_SECONDS = 60.0


@dataclass(frozen=True)
class Health:
    status: str  # ok | degraded
    reasons: tuple[str, ...]
    model_version: str
    unanswered_mentions: int | None
    pending_slack_calls: int | None
    parked_slack_calls: int | None
    failed_slack_calls: int | None
    background_tasks: dict[str, bool]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


def worker_name() -> str:
    """This serving process, as its heartbeat row names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def check_health(*, store: Store, classifier: LiveClassifier, tasks: dict[str, bool]) -> Health:
    """Check the database takes a write, the outbox's backlog, the model and the background tasks."""
    reasons = []
    pending = parked = failed = None
    waiting = None
    try:
        store.heartbeats.beat(worker_name())
    except StoreError as exc:
        reasons.append(f"the database does not take writes: {exc}"[:300])
    try:
        pending = store.outbox.pending_count()
        parked = store.outbox.parked_count()
        failed = store.outbox.failed_count()
        waiting = store.events.waiting_count(older_than_seconds=UNANSWERED_SECONDS)
    except StoreError as exc:
        reasons.append(f"the database cannot be read: {exc}"[:300])
    if waiting:
        reasons.append(
            f"{waiting} mention(s) stored but unanswered for over {UNANSWERED_SECONDS:.0f}s: is the responder running "
            "('scope-bot serve' starts it, 'scope-bot respond' runs it alone)?"
        )
    if parked:
        reasons.append(
            f"{parked} Slack call(s) parked by an auth or channel error; fix it, then 'scope-bot outbox retry --all'"
        )
    if failed:
        reasons.append(
            f"{failed} Slack call(s) failed; see 'scope-bot outbox list', re-send with 'scope-bot outbox retry'"
        )
    if classifier.degraded:
        reasons.append(classifier.degraded)
    reasons.extend(f"background task {name} stopped" for name, alive in tasks.items() if not alive)
    return Health(
        status="degraded" if reasons else "ok",
        reasons=tuple(reasons),
        model_version=classifier.version,
        unanswered_mentions=waiting,
        pending_slack_calls=pending,
        parked_slack_calls=parked,
        failed_slack_calls=failed,
        background_tasks=tasks,
    )
