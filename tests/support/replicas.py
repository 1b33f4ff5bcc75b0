"""Waiting for work spread over several bot processes on one database to settle (tests/bot/serve/test_replicas.py)."""

from __future__ import annotations

import time

import sqlalchemy as sa

from bot.db import Store
from bot.db.schema import outbox, processed_events

WAIT_SECONDS = 60.0


def wait_until(condition, *, what: str, timeout: float = WAIT_SECONDS):
    """Poll `condition` until it returns something true (AssertionError after `timeout` seconds); its value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f}s")
        time.sleep(0.05)
    return value


def scalar(db: Store, query: sa.Select) -> int:
    with db.engine.connect() as conn:
        return conn.execute(query).scalar_one()


def settled(db: Store, *, event_ids=(), channel: str | None = None, purpose_ids=()) -> bool:
    """Every event of `event_ids` handled, and every outbox row of `channel` (or `purpose_ids`) delivered."""
    count = sa.select(sa.func.count())
    events = count.select_from(processed_events).where(
        processed_events.c.event_key.in_([f"event:{e}" for e in event_ids]), processed_events.c.handled_at.is_(None)
    )
    rows = (
        sa.and_(outbox.c.purpose_id.in_(list(purpose_ids)), outbox.c.purpose.like("quote_%"))
        if channel is None
        else outbox.c.payload.contains(channel)
    )
    calls = count.select_from(outbox).where(rows, outbox.c.done_at.is_(None))
    return scalar(db, events) == 0 and scalar(db, calls) == 0
