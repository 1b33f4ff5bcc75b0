"""A daemon thread that runs one small job every few seconds (model reload checks, outbox retries)."""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class PeriodicTask(threading.Thread):
    """Calls `job` every `interval` seconds until stop(); the jobs handle their own expected failures."""

    def __init__(self, name: str, job: Callable[[], object], *, interval: float):
        super().__init__(name=f"scope-bot-{name}", daemon=True)
        self.job = job
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.job()

    def stop(self) -> None:
        """Finish after the current round."""
        self._stop_event.set()
