"""Quote requests and their status history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.db.runner import Runner, inserted_id
from bot.db.schema import quote_requests, quote_status_log
from bot.db.timestamps import ago, json_ready, utc_now
from bot.errors import NotFoundError, StoreError

# "accepted": the customer accepted the quote (paid work); "declined": staff found it not feasible, or the
# customer declined the quote. Which status may follow which is bot.services.quotes.NEXT_STATUSES.
QUOTE_STATUSES = ("new", "feasible", "quote_sent", "accepted", "declined")


@dataclass(frozen=True)
class QuoteRequest:
    id: int
    ref: str
    created_at: datetime
    updated_at: datetime
    status: str
    requester_id: str
    origin_channel_id: str | None
    original_text: str
    detected_label: str | None
    product: str
    what: str
    timeline: str
    contact: str
    lang: str
    staff_channel_id: str | None
    staff_message_ts: str | None
    decided_by: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for `quotes list --json`."""
        return json_ready(self.__dict__)


@dataclass(frozen=True)
class NewQuote:
    """What a requester submitted, plus where it came from."""

    requester_id: str
    origin_channel_id: str | None
    original_text: str
    detected_label: str | None
    product: str
    what: str
    timeline: str
    contact: str
    lang: str


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    status: str
    user_id: str | None


def _quote(row: Any) -> QuoteRequest:
    m = row._mapping
    return QuoteRequest(**{f: m[f] for f in QuoteRequest.__dataclass_fields__})


def _by_key(conn: Connection, submission_key: str) -> QuoteRequest | None:
    row = conn.execute(quote_requests.select().where(quote_requests.c.submission_key == submission_key)).first()
    return _quote(row) if row else None


def _next_ref(conn: Connection, year: int) -> str:
    prefix = f"Q-{year}-"
    # Longest first, then lexical: Q-2026-10000 comes after Q-2026-9999.
    last = conn.execute(
        sa.select(quote_requests.c.ref)
        .where(quote_requests.c.ref.like(prefix + "%"))
        .order_by(sa.func.length(quote_requests.c.ref).desc(), quote_requests.c.ref.desc())
        .limit(1)
    ).scalar()
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


class Quotes:
    def __init__(self, run: Runner):
        self._run = run

    def create(self, quote: NewQuote, *, submission_key: str) -> tuple[QuoteRequest, bool]:
        """Store a request with the next reference Q-YYYY-NNNN; (request, created).

        The same submission_key returns the stored request. Two writers taking the same reference at once: one
        gets an IntegrityError, and retrying its transaction (Store.transact) takes the next number.
        """

        def work(conn: Connection) -> tuple[QuoteRequest, bool]:
            existing = _by_key(conn, submission_key)
            if existing:
                return existing, False
            now = utc_now()
            values = {
                **quote.__dict__,
                "ref": _next_ref(conn, now.year),
                "created_at": now,
                "updated_at": now,
                "status": "new",
                "submission_key": submission_key,
            }
            new_id = inserted_id(conn.execute(quote_requests.insert().values(**values)))
            conn.execute(
                quote_status_log.insert().values(quote_id=new_id, at=now, status="new", user_id=quote.requester_id)
            )
            return _quote(conn.execute(quote_requests.select().where(quote_requests.c.id == new_id)).one()), True

        return self._run(work)

    def get(self, ref: str) -> QuoteRequest:
        """The quote request with reference `ref`; NotFoundError otherwise."""
        key = ref.strip().upper()
        row = self._run(lambda c: c.execute(quote_requests.select().where(quote_requests.c.ref == key)).first())
        if row is None:
            raise NotFoundError(f"no quote request {ref!r}")
        return _quote(row)

    def find(self, *, status: str | None = None, days: int | None = None) -> list[QuoteRequest]:
        """Quote requests, newest first, optionally by status or age."""
        query = quote_requests.select().order_by(quote_requests.c.id.desc())
        if status:
            query = query.where(quote_requests.c.status == status)
        if days is not None:
            query = query.where(quote_requests.c.created_at >= ago(days=days))
        return self._run(lambda c: [_quote(r) for r in c.execute(query)])

    def count(self, *, days: int) -> int:
        """How many quote requests arrived in the last `days` days."""
        query = (
            sa.select(sa.func.count()).select_from(quote_requests).where(quote_requests.c.created_at >= ago(days=days))
        )
        return self._run(lambda c: c.execute(query).scalar_one())

    def status_counts(self) -> dict[str, int]:
        """How many quote requests are in each status (every status, zero included)."""
        query = sa.select(quote_requests.c.status, sa.func.count()).group_by(quote_requests.c.status)
        found = self._run(lambda c: {status: n for status, n in c.execute(query)})
        return {status: found.get(status, 0) for status in QUOTE_STATUSES}

    def history(self, quote_id: int) -> list[StatusChange]:
        """Status changes of one quote request, oldest first."""
        query = quote_status_log.select().where(quote_status_log.c.quote_id == quote_id).order_by(quote_status_log.c.id)
        return self._run(
            lambda c: [StatusChange(at=r.at, status=r.status, user_id=r.user_id) for r in c.execute(query)]
        )

    def set_status(
        self, ref: str, *, status: str, user_id: str | None, expected: str | None = None
    ) -> tuple[QuoteRequest, bool]:
        """Change the status; (request as it is now, changed). Only a real change is logged.

        With `expected`, the change applies only while the status is still `expected` (compare-and-set): a click
        on a post that showed an older status changes nothing. Nothing sets a request back to "new".
        """
        for value in (status, expected):
            if value is not None and value not in QUOTE_STATUSES:
                raise StoreError(f"unknown quote status {value!r}")
        if status == "new":
            raise StoreError("a quote request is never set back to 'new'")
        key = ref.strip().upper()
        now = utc_now()

        def work(conn: Connection) -> tuple[QuoteRequest, bool]:
            quote_id = conn.execute(sa.select(quote_requests.c.id).where(quote_requests.c.ref == key)).scalar()
            if quote_id is None:
                raise NotFoundError(f"no quote request {ref!r}")
            # The guard is in the UPDATE itself: of two simultaneous clicks, only one changes the row, and a
            # replayed click whose post showed another status than the stored one changes nothing.
            guard = quote_requests.c.status == expected if expected is not None else sa.true()
            update = (
                quote_requests.update()
                .where(quote_requests.c.id == quote_id, quote_requests.c.status != status, guard)
                .values(status=status, updated_at=now, decided_by=user_id)
            )
            changed = conn.execute(update).rowcount == 1
            if changed:
                conn.execute(
                    quote_status_log.insert().values(quote_id=quote_id, at=now, status=status, user_id=user_id)
                )
            return _quote(conn.execute(quote_requests.select().where(quote_requests.c.id == quote_id)).one()), changed

        return self._run(work)

    def set_staff_message(self, quote_id: int, *, channel_id: str, ts: str) -> None:
        """Remember where the staff post of a quote request is, to update it on status changes."""
        update = (
            quote_requests.update()
            .where(quote_requests.c.id == quote_id)
            .values(staff_channel_id=channel_id, staff_message_ts=ts)
        )
        self._run(lambda c: c.execute(update))
