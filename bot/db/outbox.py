"""The outbox: Slack Web API calls stored first and delivered (and retried) afterwards, each at most once."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.db.dialects import locked_skipping_others
from bot.db.outbox_rows import (
    DONE,
    ERROR_CHARS,
    FAILED,
    PARKED,
    PENDING,
    OutboxCall,
    OutboxEntry,
    OutboxItem,
    new_row,
    state_of,
    undelivered,
)
from bot.db.runner import Runner, inserted_id
from bot.db.schema import outbox
from bot.db.timestamps import from_now, utc_now

__all__ = ["DONE", "ERROR_CHARS", "FAILED", "PARKED", "PENDING", "Outbox", "OutboxCall", "OutboxEntry", "OutboxItem"]


def _lease(conn: Connection, query: sa.Select, *, lease_seconds: float) -> OutboxItem | None:
    """Lease the call `query` finds, unless another worker leased it in between (the schedule changed)."""
    r = conn.execute(query).first()
    if r is None:
        return None
    won = conn.execute(
        outbox.update()
        .where(outbox.c.id == r.id, outbox.c.next_attempt_at == r.next_attempt_at, *undelivered())
        .values(next_attempt_at=from_now(seconds=lease_seconds), attempted_at=utc_now())
    ).rowcount
    if not won:
        return None
    return OutboxItem(
        id=r.id,
        method=r.method,
        payload=json.loads(r.payload),
        purpose=r.purpose,
        purpose_id=r.purpose_id,
        attempts=r.attempts,
        unconfirmed_since=r.attempted_at,
    )


class Outbox:
    def __init__(self, run: Runner):
        self._run = run

    def enqueue(self, call: OutboxCall, *, purpose_id: int | None = None) -> int:
        """Queue one call; returns its id. With a dedupe key already queued, returns that call's id instead."""

        def work(conn: Connection) -> int:
            if call.dedupe_key is not None:
                found = conn.execute(sa.select(outbox.c.id).where(outbox.c.dedupe_key == call.dedupe_key)).first()
                if found is not None:
                    return int(found.id)
            return inserted_id(conn.execute(outbox.insert().values(**new_row(call, purpose_id))))

        return self._run(work)

    def enqueue_claimed(self, call: OutboxCall, *, lease_seconds: float, purpose_id: int | None = None) -> OutboxItem:
        """Queue one call already claimed (leased and marked attempted) by its caller, who sends it next: one write
        fewer than enqueue and claim."""
        row = {**new_row(call, purpose_id), "next_attempt_at": from_now(seconds=lease_seconds)}
        row["attempted_at"] = utc_now()
        item_id = self._run(lambda c: inserted_id(c.execute(outbox.insert().values(**row))))
        return OutboxItem(
            id=item_id,
            method=call.method,
            payload=call.payload,
            purpose=call.purpose,
            purpose_id=purpose_id,
            attempts=0,
        )

    def enqueue_many(self, calls: Iterable[OutboxCall], *, purpose_id: int | None = None) -> list[int]:
        """Queue several calls in order (in one transaction when run inside one); returns their ids."""
        return [self.enqueue(call, purpose_id=purpose_id) for call in calls]

    def claim(self, item_id: int, *, lease_seconds: float) -> OutboxItem | None:
        """Take a due, undelivered call for sending and mark it attempted.

        Pushes its next attempt out by the lease (a compare-and-set on the schedule, so of two workers only one
        wins; on PostgreSQL the row is locked too). None if it is not due, delivered, or claimed by someone else.
        """
        now = utc_now()
        query = outbox.select().where(outbox.c.id == item_id, *undelivered(), outbox.c.next_attempt_at <= now)
        return self._run(lambda c: _lease(c, locked_skipping_others(c, query), lease_seconds=lease_seconds))

    def claim_next(
        self,
        *,
        lease_seconds: float,
        purpose_id: int | None = None,
        purposes: Collection[str] | None = None,
    ) -> OutboxItem | None:
        """Claim the oldest due call (see claim), optionally only of one `purpose_id` and `purposes`.

        One row per claim: a lease covers one send, so a slow Slack can never outlast the lease of a row still
        waiting its turn behind others. PostgreSQL locks the row it takes and passes over rows other replicas are
        taking (FOR UPDATE SKIP LOCKED); on SQLite, whose writers take turns, a lost compare-and-set moves on to
        the next of a few candidates.
        """
        query = (
            outbox.select()
            .where(*undelivered(), outbox.c.next_attempt_at <= utc_now())
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
        )
        if purpose_id is not None:
            query = query.where(outbox.c.purpose_id == purpose_id)
        if purposes is not None:
            query = query.where(outbox.c.purpose.in_(list(purposes)))

        def work(conn: Connection) -> OutboxItem | list[int] | None:
            if conn.dialect.name == "postgresql":
                return _lease(conn, locked_skipping_others(conn, query.limit(1)), lease_seconds=lease_seconds)
            return [r.id for r in conn.execute(query.with_only_columns(outbox.c.id).limit(5))]

        found = self._run(work)
        if not isinstance(found, list):
            return found
        for candidate in found:
            item = self.claim(candidate, lease_seconds=lease_seconds)
            if item is not None:
                return item
        return None

    def _update(self, item_id: int, **values: Any) -> None:
        self._run(lambda c: c.execute(outbox.update().where(outbox.c.id == item_id).values(**values)))

    def done(self, item_id: int) -> None:
        """Mark a call as delivered."""
        self._update(item_id, done_at=utc_now())

    def not_sent(self, item_id: int, *, error: str, retry_in: float, count_attempt: bool = True) -> None:
        """Slack refused the call, so nothing was posted: try again in `retry_in` seconds (count_attempt=False
        when Slack only asked us to wait)."""
        self._update(
            item_id,
            attempts=outbox.c.attempts + 1 if count_attempt else outbox.c.attempts,
            last_error=error[:ERROR_CHARS],
            next_attempt_at=from_now(seconds=retry_in),
            attempted_at=None,
        )

    def unconfirmed(self, item_id: int, *, error: str, retry_in: float) -> None:
        """The call may have reached Slack (no answer): try again later, looking for the message first."""
        self._update(
            item_id,
            attempts=outbox.c.attempts + 1,
            last_error=error[:ERROR_CHARS],
            next_attempt_at=from_now(seconds=retry_in),
        )

    def defer(self, item_id: int, *, seconds: float, unconfirmed_since: datetime | None) -> None:
        """Hand a claimed call back untried, due in `seconds` (pacing), keeping what is known of earlier sends."""
        self._update(item_id, next_attempt_at=from_now(seconds=seconds), attempted_at=unconfirmed_since)

    def park(self, item_id: int, *, error: str, retry_in: float) -> None:
        """An auth or channel error: keep the call, retry it in `retry_in` seconds, and show it as parked."""
        self._update(
            item_id,
            attempts=outbox.c.attempts + 1,
            last_error=error[:ERROR_CHARS],
            next_attempt_at=from_now(seconds=retry_in),
            parked_at=sa.func.coalesce(outbox.c.parked_at, utc_now()),
            attempted_at=None,
        )

    def give_up(self, item_id: int, *, error: str) -> None:
        """Mark a call as failed: not tried again unless re-queued with `requeue`."""
        self._update(
            item_id,
            attempts=outbox.c.attempts + 1,
            last_error=error[:ERROR_CHARS],
            failed_at=utc_now(),
            attempted_at=None,
        )

    def requeue(self, item_ids: Collection[int] | None = None) -> int:
        """Make parked or failed calls (all of them, or `item_ids`) due now with fresh attempts; returns how many."""
        query = outbox.update().where(
            outbox.c.done_at.is_(None), sa.or_(outbox.c.parked_at.is_not(None), outbox.c.failed_at.is_not(None))
        )
        if item_ids is not None:
            query = query.where(outbox.c.id.in_(list(item_ids)))
        query = query.values(parked_at=None, failed_at=None, attempts=0, next_attempt_at=utc_now())
        return self._run(lambda c: c.execute(query).rowcount)

    def entries(self, *, states: Collection[str], purposes: Collection[str] | None = None) -> list[OutboxEntry]:
        """Queued calls in `states` (pending, parked, failed, done), oldest first."""
        conditions = {
            PENDING: sa.and_(*undelivered(), outbox.c.parked_at.is_(None)),
            PARKED: sa.and_(*undelivered(), outbox.c.parked_at.is_not(None)),
            FAILED: sa.and_(outbox.c.done_at.is_(None), outbox.c.failed_at.is_not(None)),
            DONE: outbox.c.done_at.is_not(None),
        }
        query = outbox.select().where(sa.or_(*(conditions[s] for s in states))).order_by(outbox.c.id)
        if purposes is not None:
            query = query.where(outbox.c.purpose.in_(list(purposes)))
        return self._run(lambda c: [_entry(r) for r in c.execute(query)])

    def by_dedupe_key(self, key: str) -> OutboxEntry | None:
        """The call queued under dedupe key `key`, in whatever state, or None."""
        query = outbox.select().where(outbox.c.dedupe_key == key)
        return self._run(lambda c: next((_entry(r) for r in c.execute(query)), None))

    def _count(self, *conditions: sa.ColumnElement[bool]) -> int:
        query = sa.select(sa.func.count()).select_from(outbox).where(*conditions)
        return self._run(lambda c: c.execute(query).scalar_one())

    def pending_count(self) -> int:
        """Calls not yet delivered and being tried (parked ones included)."""
        return self._count(*undelivered())

    def parked_count(self) -> int:
        """Calls held back by an auth or channel error."""
        return self._count(*undelivered(), outbox.c.parked_at.is_not(None))

    def failed_count(self) -> int:
        """Calls given up (a permanent Slack error, or too many attempts) and not re-queued."""
        return self._count(outbox.c.done_at.is_(None), outbox.c.failed_at.is_not(None))


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        created_at=row.created_at,
        method=row.method,
        purpose=row.purpose,
        purpose_id=row.purpose_id,
        attempts=row.attempts,
        state=state_of(row),
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
    )
