"""Reading the outbox in tests: claim every due call, as the delivery loop does one at a time."""

from __future__ import annotations

import time
from typing import Any

from bot.db import OutboxItem


def claim_all(outbox: Any, *, lease_seconds: float, **only: Any) -> list[OutboxItem]:
    """Every due call of a bot.db.outbox.Outbox, claimed one by one, oldest first."""
    items = []
    while (item := outbox.claim_next(lease_seconds=lease_seconds, **only)) is not None:
        items.append(item)
    return items


def settled(outbox: Any, *, timeout: float = 10.0) -> int:
    """Pending calls once deliveries in flight are marked done (a call reaches the fake Slack just before its row
    is marked done), or after `timeout`."""
    deadline = time.monotonic() + timeout
    while (pending := outbox.pending_count()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return pending
