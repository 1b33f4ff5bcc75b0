"""The outbox: Slack Web API calls stored first and delivered (and retried) afterwards."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.db.runner import Runner, inserted_id
from bot.db.schema import outbox
from bot.db.timestamps import iso, iso_in, iso_precise, utc_now

ERROR_CHARS = 2000


@dataclass(frozen=True)
class OutboxCall:
    """A Slack Web API call to queue: method, its JSON payload, and what it is for."""

    method: str
    payload: dict[str, Any]
    purpose: str


@dataclass(frozen=True)
class OutboxItem:
    id: int
    method: str
    payload: dict[str, Any]
    purpose: str
    purpose_id: int | None
    attempts: int


def _row(call: OutboxCall, purpose_id: int | None) -> dict[str, Any]:
    now = utc_now()
    return {
        "created_at": iso(now),
        "method": call.method,
        "payload": json.dumps(call.payload),
        "purpose": call.purpose,
        "purpose_id": purpose_id,
        "attempts": 0,
        "next_attempt_at": iso_precise(now),
    }


def _undelivered() -> list[sa.ColumnElement[bool]]:
    return [outbox.c.done_at.is_(None), outbox.c.failed_at.is_(None)]


class Outbox:
    def __init__(self, run: Runner):
        self._run = run

    def enqueue(self, call: OutboxCall, *, purpose_id: int | None = None) -> int:
        """Queue one call; returns its id."""
        return self._run(lambda c: inserted_id(c.execute(outbox.insert().values(**_row(call, purpose_id)))))

    def enqueue_many(self, calls: Iterable[OutboxCall], *, purpose_id: int | None = None) -> list[int]:
        """Queue several calls in order (in one transaction when run inside one); returns their ids."""
        return [self.enqueue(call, purpose_id=purpose_id) for call in calls]

    def claim(self, item_id: int, *, lease_seconds: float) -> OutboxItem | None:
        """Take a due, undelivered call for sending: pushes its next attempt out by the lease, so no other
        worker sends it meanwhile. None if it is not due, delivered, or claimed by someone else."""
        now = iso_precise(utc_now())
        lease = iso_in(seconds=lease_seconds)

        def work(conn: Connection) -> OutboxItem | None:
            claimed = conn.execute(
                outbox.update()
                .where(outbox.c.id == item_id, *_undelivered(), outbox.c.next_attempt_at <= now)
                .values(next_attempt_at=lease)
            ).rowcount
            if not claimed:
                return None
            r = conn.execute(outbox.select().where(outbox.c.id == item_id)).one()
            return OutboxItem(
                id=r.id,
                method=r.method,
                payload=json.loads(r.payload),
                purpose=r.purpose,
                purpose_id=r.purpose_id,
                attempts=r.attempts,
            )

        return self._run(work)

    def claim_due(
        self,
        *,
        lease_seconds: float,
        limit: int = 20,
        purpose_id: int | None = None,
        purposes: Collection[str] | None = None,
    ) -> list[OutboxItem]:
        """Claim up to `limit` due calls, oldest first (see claim), optionally only those of one `purpose_id`
        and `purposes`."""
        query = (
            sa.select(outbox.c.id)
            .where(*_undelivered(), outbox.c.next_attempt_at <= iso_precise(utc_now()))
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if purpose_id is not None:
            query = query.where(outbox.c.purpose_id == purpose_id)
        if purposes is not None:
            query = query.where(outbox.c.purpose.in_(list(purposes)))
        ids = self._run(lambda c: [r.id for r in c.execute(query)])
        claimed = (self.claim(i, lease_seconds=lease_seconds) for i in ids)
        return [item for item in claimed if item is not None]

    def done(self, item_id: int) -> None:
        """Mark a call as delivered."""
        self._run(lambda c: c.execute(outbox.update().where(outbox.c.id == item_id).values(done_at=iso(utc_now()))))

    def retry_later(self, item_id: int, *, error: str, retry_in: float, count_attempt: bool = True) -> None:
        """Schedule the next attempt of a failed call; count_attempt=False when Slack only asked us to wait."""
        attempts = outbox.c.attempts + 1 if count_attempt else outbox.c.attempts
        update = (
            outbox.update()
            .where(outbox.c.id == item_id)
            .values(attempts=attempts, last_error=error[:ERROR_CHARS], next_attempt_at=iso_in(seconds=retry_in))
        )
        self._run(lambda c: c.execute(update))

    def give_up(self, item_id: int, *, error: str) -> None:
        """Mark a call as failed for good: it is never tried again."""
        update = (
            outbox.update()
            .where(outbox.c.id == item_id)
            .values(attempts=outbox.c.attempts + 1, last_error=error[:ERROR_CHARS], failed_at=iso(utc_now()))
        )
        self._run(lambda c: c.execute(update))

    def pending_count(self) -> int:
        """Calls not yet delivered and still being tried."""
        query = sa.select(sa.func.count()).select_from(outbox).where(*_undelivered())
        return self._run(lambda c: c.execute(query).scalar_one())

    def failed_count(self) -> int:
        """Calls given up for good (a permanent Slack error, or too many attempts)."""
        query = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.failed_at.is_not(None))
        return self._run(lambda c: c.execute(query).scalar_one())
