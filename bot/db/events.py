"""Slack events received: a retried delivery is recognised and ignored; an event the bot answers waits in this
inbox until the transaction that queues its reply marks it handled."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.db.runner import Runner
from bot.db.schema import processed_events
from bot.db.timestamps import ago, from_now, utc_now

# Built once: a statement made per call (insert().values(...)) costs more to build than SQLite takes to run it.
_RECEIVE = processed_events.insert()


@dataclass(frozen=True)
class InboxEvent:
    key: str
    received_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class Backlog:
    """The events received and not handled yet."""

    count: int
    oldest: datetime | None  # when the longest-waiting one arrived


_WAITING = (processed_events.c.handled_at.is_(None), processed_events.c.payload.is_not(None))


class Events:
    def __init__(self, run: Runner, *, single: Runner):
        self._run = run
        self._single = single  # for the acknowledgement's INSERT: one statement, committed on its own

    def receive(self, key: str, payload: Mapping[str, Any]) -> bool:
        """Store an event to be handled (one short INSERT, all an acknowledgement waits for); False if it was
        received before."""
        row = {"event_key": key, "received_at": utc_now(), "payload": json.dumps(payload)}
        try:
            self._single(lambda c: c.execute(_RECEIVE, row))
        except IntegrityError:
            return False
        return True

    def mark_handled(self, key: str) -> bool:
        """Mark a received event handled; False if it was already (by another worker, or the recovery task).
        Run it in the transaction that writes what handling the event produced."""
        update = (
            processed_events.update()
            .where(processed_events.c.event_key == key, processed_events.c.handled_at.is_(None))
            .values(handled_at=utc_now())
        )
        return bool(self._run(lambda c: c.execute(update).rowcount))

    def unhandled(self, *, older_than_seconds: float, limit: int = 20) -> list[InboxEvent]:
        """Received events still not handled after `older_than_seconds` (their worker died), oldest first."""
        query = (
            sa.select(processed_events)
            .where(*_WAITING, processed_events.c.received_at < from_now(seconds=-older_than_seconds))
            .order_by(processed_events.c.received_at)
            .limit(limit)
        )
        return self._run(
            lambda c: [InboxEvent(r.event_key, r.received_at, json.loads(r.payload)) for r in c.execute(query)]
        )

    def backlog(self) -> Backlog:
        """How many events wait to be handled, and since when the oldest has."""
        query = sa.select(sa.func.count(), sa.func.min(processed_events.c.received_at)).where(*_WAITING)
        count, oldest = self._run(lambda c: c.execute(query).one())
        return Backlog(count, oldest)

    def waiting_count(self, *, older_than_seconds: float) -> int:
        """How many received events are still not handled after `older_than_seconds`."""
        query = (
            sa.select(sa.func.count())
            .select_from(processed_events)
            .where(*_WAITING, processed_events.c.received_at < from_now(seconds=-older_than_seconds))
        )
        return self._run(lambda c: c.execute(query).scalar_one())

    def prune(self, *, older_than_days: float = 7) -> int:
        """Forget events older than `older_than_days` (Slack retries within minutes); returns how many."""
        cutoff = ago(days=older_than_days)
        return self._run(
            lambda c: c.execute(processed_events.delete().where(processed_events.c.received_at < cutoff)).rowcount
        )
