"""A daemon thread that runs one small job every few seconds (model reload checks, outbox retries, pruning)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from bot.errors import BotError
from model.errors import ScopeModelError

log = logging.getLogger(__name__)


class PeriodicTask(threading.Thread):
    """Calls `job` every `interval` seconds until stop().

    An expected failure of one round (database, model or network trouble) is logged and the next round runs; an
    unexpected one ends the thread, which /healthz then reports as dead.
    """

    def __init__(self, name: str, job: Callable[[], object], *, interval: float):
        super().__init__(name=f"scope-bot-{name}", daemon=True)
        self.task_name = name
        self.job = job
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            try:
                self.job()
            except (BotError, ScopeModelError, OSError) as exc:
                # Expected trouble (locked database, unreadable model, network) carries its own message; the
                # next round may well succeed, so keep the thread and say which task failed.
                log.error(
                    "background task %s failed, trying again in %.0fs: %s: %s",
                    self.task_name,
                    self.interval,
                    type(exc).__name__,
                    exc,
                )

    def stop(self) -> None:
        """Finish after the current round."""
        self._stop_event.set()
