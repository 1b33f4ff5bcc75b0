"""Per-channel pacing of posts: Slack allows about one message per second per channel."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ChannelPacer:
    """Hands out one send slot per channel every `interval` seconds (in this process)."""

    def __init__(self, interval: float, *, clock: Callable[[], float] = time.monotonic):
        self.interval = interval
        self._clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_for(self, channel: str | None) -> float:
        """0.0 and the slot taken if `channel` may be posted to now, else the seconds until it may."""
        if channel is None or self.interval <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            due = self._next.get(channel, 0.0)
            if due > now:
                return due - now
            self._next[channel] = now + self.interval
            if len(self._next) > 10_000:  # forget channels idle for longer than a slot
                self._next = {c: t for c, t in self._next.items() if t > now}
            return 0.0
