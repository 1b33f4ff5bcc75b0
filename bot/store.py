"""All SQL of scope-bot: quote requests, feedback, processed event ids, the verdict log, the Slack outbox.

SQLite by default; written with SQLAlchemy Core and portable DDL so a PostgreSQL URL can follow.
Numbered migrations are applied when the store opens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, TypedDict

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.errors import NotFoundError, StoreError

QUOTE_STATUSES = ("new", "feasible", "quote_sent", "declined")
FEEDBACK_STATUSES = ("pending", "accepted", "discarded")
QUOTE_INSERT_ATTEMPTS = 20
# Rows per transaction of a bulk feedback import: short write locks, so other workers' writes (inside Slack's
# 3-second acknowledgement) never wait behind a whole 100k-row import.
FEEDBACK_BATCH_ROWS = 1000


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _iso_precise(dt: datetime) -> str:
    # Outbox schedule and leases: whole seconds would cut a sub-second lease to "due now", letting a parallel
    # flush send the same call twice. Sorts correctly against older whole-second values ("+" < ".").
    return dt.isoformat(timespec="microseconds")


# --- migrations ----------------------------------------------------------------------------------------------

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "initial schema",
        [
            """CREATE TABLE processed_events (
                event_key VARCHAR(200) PRIMARY KEY,
                received_at VARCHAR(40) NOT NULL)""",
            """CREATE TABLE verdicts (
                id INTEGER PRIMARY KEY,
                created_at VARCHAR(40) NOT NULL,
                source VARCHAR(20) NOT NULL,
                team_id VARCHAR(40), channel_id VARCHAR(40), user_id VARCHAR(40), message_ts VARCHAR(40),
                text TEXT NOT NULL,
                label VARCHAR(80) NOT NULL, verdict VARCHAR(20) NOT NULL, confidence FLOAT NOT NULL,
                model_version VARCHAR(80) NOT NULL, lang VARCHAR(5) NOT NULL)""",
            "CREATE INDEX ix_verdicts_created_at ON verdicts (created_at)",
            """CREATE TABLE quote_requests (
                id INTEGER PRIMARY KEY,
                ref VARCHAR(20) NOT NULL UNIQUE,
                created_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL,
                status VARCHAR(20) NOT NULL,
                requester_id VARCHAR(40) NOT NULL, origin_channel_id VARCHAR(40),
                original_text TEXT NOT NULL, detected_label VARCHAR(80),
                product VARCHAR(40) NOT NULL, what TEXT NOT NULL, timeline VARCHAR(200) NOT NULL,
                contact VARCHAR(200) NOT NULL, lang VARCHAR(5) NOT NULL,
                submission_key VARCHAR(200) UNIQUE,
                staff_channel_id VARCHAR(40), staff_message_ts VARCHAR(40),
                decided_by VARCHAR(40))""",
            """CREATE TABLE quote_status_log (
                id INTEGER PRIMARY KEY,
                quote_id INTEGER NOT NULL REFERENCES quote_requests (id),
                at VARCHAR(40) NOT NULL, status VARCHAR(20) NOT NULL, user_id VARCHAR(40))""",
            """CREATE TABLE feedback (
                id INTEGER PRIMARY KEY,
                created_at VARCHAR(40) NOT NULL,
                text TEXT NOT NULL,
                predicted_label VARCHAR(80),
                label VARCHAR(80) NOT NULL,
                source VARCHAR(20) NOT NULL,
                user_id VARCHAR(40),
                status VARCHAR(20) NOT NULL,
                reviewed_by VARCHAR(40), reviewed_at VARCHAR(40),
                dedupe_key VARCHAR(200) UNIQUE)""",
            "CREATE INDEX ix_feedback_status ON feedback (status)",
            """CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                created_at VARCHAR(40) NOT NULL,
                method VARCHAR(60) NOT NULL,
                payload TEXT NOT NULL,
                purpose VARCHAR(60) NOT NULL,
                purpose_id INTEGER,
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                next_attempt_at VARCHAR(40) NOT NULL,
                done_at VARCHAR(40))""",
        ],
    ),
    (2, "outbox: calls given up for good", ["ALTER TABLE outbox ADD COLUMN failed_at VARCHAR(40)"]),
]

metadata = sa.MetaData()
_str = sa.String
processed_events = sa.Table(
    "processed_events", metadata, sa.Column("event_key", _str, primary_key=True), sa.Column("received_at", _str)
)
verdicts = sa.Table(
    "verdicts",
    metadata,
    *(
        sa.Column(c, _str)
        for c in (
            "created_at",
            "source",
            "team_id",
            "channel_id",
            "user_id",
            "message_ts",
            "text",
            "label",
            "verdict",
            "model_version",
            "lang",
        )
    ),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("confidence", sa.Float),
)
quote_requests = sa.Table(
    "quote_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *(
        sa.Column(c, _str)
        for c in (
            "ref",
            "created_at",
            "updated_at",
            "status",
            "requester_id",
            "origin_channel_id",
            "original_text",
            "detected_label",
            "product",
            "what",
            "timeline",
            "contact",
            "lang",
            "submission_key",
            "staff_channel_id",
            "staff_message_ts",
            "decided_by",
        )
    ),
)
quote_status_log = sa.Table(
    "quote_status_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("quote_id", sa.Integer),
    *(sa.Column(c, _str) for c in ("at", "status", "user_id")),
)
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *(
        sa.Column(c, _str)
        for c in (
            "created_at",
            "text",
            "predicted_label",
            "label",
            "source",
            "user_id",
            "status",
            "reviewed_by",
            "reviewed_at",
            "dedupe_key",
        )
    ),
)
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    *(
        sa.Column(c, _str)
        for c in ("created_at", "method", "payload", "purpose", "last_error", "next_attempt_at", "done_at", "failed_at")
    ),
    sa.Column("purpose_id", sa.Integer),
    sa.Column("attempts", sa.Integer),
)


def _apply_migrations(conn: Connection) -> None:
    conn.execute(
        sa.text(
            "CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, "
            "applied_at VARCHAR(40) NOT NULL)"
        )
    )
    done = {row[0] for row in conn.execute(sa.text("SELECT id FROM schema_migrations"))}
    for number, name, statements in MIGRATIONS:
        if number in done:
            continue
        for statement in statements:
            conn.execute(sa.text(statement))
        conn.execute(
            sa.text("INSERT INTO schema_migrations (id, name, applied_at) VALUES (:id, :name, :at)"),
            {"id": number, "name": name, "at": _iso(_now())},
        )


# --- records -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteRequest:
    id: int
    ref: str
    created_at: str
    updated_at: str
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
        return dict(self.__dict__)


@dataclass(frozen=True)
class FeedbackItem:
    id: int
    created_at: str
    text: str
    predicted_label: str | None
    label: str
    source: str
    user_id: str | None
    status: str
    reviewed_by: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for `feedback list --json`."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    method: str
    payload: dict[str, Any]
    purpose: str
    purpose_id: int | None
    attempts: int


class OutboxCall(TypedDict):
    """A Slack Web API call to queue in the outbox, as a caller hands it to the store."""

    method: str
    payload: dict[str, Any]
    purpose: str


# Builds the Slack calls that announce a quote request (or its new status) from the stored row: called inside
# the write transaction, so the row and its announcements are committed together or not at all.
Announcements = Callable[[QuoteRequest], list[OutboxCall]]


def _outbox_row(*, method: str, payload: dict[str, Any], purpose: str, purpose_id: int | None) -> dict[str, Any]:
    return {
        "created_at": _iso(_now()),
        "method": method,
        "payload": json.dumps(payload),
        "purpose": purpose,
        "purpose_id": purpose_id,
        "attempts": 0,
        "next_attempt_at": _iso_precise(_now()),
    }


def _queue_announcements(conn: Connection, quote: QuoteRequest, announcements: Announcements | None) -> None:
    for call in announcements(quote) if announcements else []:
        conn.execute(
            outbox.insert().values(
                **_outbox_row(
                    method=call["method"], payload=call["payload"], purpose=call["purpose"], purpose_id=quote.id
                )
            )
        )


def _quote(row: Any) -> QuoteRequest:
    m = row._mapping
    return QuoteRequest(**{f: m[f] for f in QuoteRequest.__dataclass_fields__})


def _feedback(row: Any) -> FeedbackItem:
    m = row._mapping
    return FeedbackItem(**{f: m[f] for f in FeedbackItem.__dataclass_fields__})


class Store:
    """The database: open with Store.open(url); every method is one short transaction (bulk imports: one per batch)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> "Store":
        """Connect (creating the SQLite file's directory) and apply pending migrations."""
        connect_args: dict[str, Any] = {}
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            # Several gunicorn workers share the file: wait for a writer instead of failing at once.
            connect_args = {"timeout": 15, "check_same_thread": False}
        try:
            engine = sa.create_engine(url, connect_args=connect_args)
            if engine.dialect.name == "sqlite":
                sa.event.listen(engine, "connect", _sqlite_pragmas)
            with engine.begin() as conn:
                _apply_migrations(conn)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot open database {url!r}: {exc.__class__.__name__}: {exc.args[0] if exc.args else ''}"
            ) from exc
        return cls(engine)

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def _tx(self, work: Callable[[Connection], Any]) -> Any:
        try:
            with self.engine.begin() as conn:
                return work(conn)
        except IntegrityError:
            raise
        except SQLAlchemyError as exc:
            raise StoreError(f"database error: {exc.__class__.__name__}: {exc}") from exc

    # --- processed events ------------------------------------------------------------------------------------

    def claim_event(self, key: str) -> bool:
        """Record `key` as processed; False if it was already (a Slack retry or duplicate delivery)."""
        try:
            self._tx(lambda c: c.execute(processed_events.insert().values(event_key=key, received_at=_iso(_now()))))
        except IntegrityError:
            return False
        return True

    def prune_processed_events(self, *, older_than_days: float = 7) -> int:
        """Forget event ids older than `older_than_days` (Slack retries within minutes); returns how many."""
        cutoff = _iso(_now() - timedelta(days=older_than_days))
        return self._tx(
            lambda c: c.execute(processed_events.delete().where(processed_events.c.received_at < cutoff)).rowcount
        )

    # --- verdict log -----------------------------------------------------------------------------------------

    def log_verdict(self, **fields: Any) -> int:
        """Append one verdict the bot gave; returns its id."""
        values = {"created_at": _iso(_now()), **fields}
        return self._tx(lambda c: c.execute(verdicts.insert().values(**values)).inserted_primary_key[0])

    def verdict(self, verdict_id: int) -> dict[str, Any]:
        """One logged verdict as a dict; NotFoundError otherwise."""
        row = self._tx(lambda c: c.execute(verdicts.select().where(verdicts.c.id == verdict_id)).first())
        if row is None:
            raise NotFoundError(f"no verdict #{verdict_id}")
        return dict(row._mapping)

    def verdict_counts(self, *, days: int = 7) -> dict[str, int]:
        """verdict -> count over the last `days` days."""
        since = _iso(_now() - timedelta(days=days))
        query = (
            sa.select(verdicts.c.verdict, sa.func.count())
            .where(verdicts.c.created_at >= since)
            .group_by(verdicts.c.verdict)
        )
        return self._tx(lambda c: {v: n for v, n in c.execute(query)})

    # --- quote requests --------------------------------------------------------------------------------------

    def create_quote(
        self, *, submission_key: str, announcements: Announcements | None = None, **fields: Any
    ) -> tuple[QuoteRequest, bool]:
        """Store a quote request with the next reference Q-YYYY-NNNN, and the outbox calls `announcements` builds
        for it, in one transaction; (request, created). Same key -> same request, nothing queued again."""

        def work(conn: Connection) -> tuple[QuoteRequest, bool]:
            existing = conn.execute(
                quote_requests.select().where(quote_requests.c.submission_key == submission_key)
            ).first()
            if existing:
                return _quote(existing), False
            now = _now()
            prefix = f"Q-{now.year}-"
            # Longest first, then lexical: Q-2026-10000 comes after Q-2026-9999.
            last = conn.execute(
                sa.select(quote_requests.c.ref)
                .where(quote_requests.c.ref.like(prefix + "%"))
                .order_by(sa.func.length(quote_requests.c.ref).desc(), quote_requests.c.ref.desc())
                .limit(1)
            ).scalar()
            number = int(last.removeprefix(prefix)) + 1 if last else 1
            values = {
                **fields,
                "ref": f"{prefix}{number:04d}",
                "created_at": _iso(now),
                "updated_at": _iso(now),
                "status": "new",
                "submission_key": submission_key,
            }
            new_id = conn.execute(quote_requests.insert().values(**values)).inserted_primary_key[0]
            conn.execute(
                quote_status_log.insert().values(
                    quote_id=new_id, at=_iso(now), status="new", user_id=fields.get("requester_id")
                )
            )
            quote = _quote(conn.execute(quote_requests.select().where(quote_requests.c.id == new_id)).one())
            _queue_announcements(conn, quote, announcements)
            return quote, True

        for _ in range(QUOTE_INSERT_ATTEMPTS):
            try:
                return self._tx(work)
            except IntegrityError:
                # Two workers raced: on the same submission (the winner's row is the answer), or on the next
                # reference for different submissions (then this one takes the number after it).
                row = self._tx(
                    lambda c: c.execute(
                        quote_requests.select().where(quote_requests.c.submission_key == submission_key)
                    ).first()
                )
                if row is not None:
                    return _quote(row), False
        raise StoreError(f"could not allocate a quote reference after {QUOTE_INSERT_ATTEMPTS} attempts")

    def quote(self, ref: str) -> QuoteRequest:
        """The quote request with reference `ref`; NotFoundError otherwise."""
        row = self._tx(
            lambda c: c.execute(quote_requests.select().where(quote_requests.c.ref == ref.strip().upper())).first()
        )
        if row is None:
            raise NotFoundError(f"no quote request {ref!r}")
        return _quote(row)

    def quotes(self, *, status: str | None = None, days: int | None = None) -> list[QuoteRequest]:
        """Quote requests, newest first, optionally by status or age."""
        query = quote_requests.select().order_by(quote_requests.c.id.desc())
        if status:
            query = query.where(quote_requests.c.status == status)
        if days is not None:
            query = query.where(quote_requests.c.created_at >= _iso(_now() - timedelta(days=days)))
        return self._tx(lambda c: [_quote(r) for r in c.execute(query)])

    def quote_count(self, *, days: int) -> int:
        """How many quote requests arrived in the last `days` days."""
        since = _iso(_now() - timedelta(days=days))
        query = sa.select(sa.func.count()).select_from(quote_requests).where(quote_requests.c.created_at >= since)
        return self._tx(lambda c: c.execute(query).scalar())

    def quote_history(self, quote_id: int) -> list[dict[str, Any]]:
        """Status changes of one quote request, oldest first."""
        query = quote_status_log.select().where(quote_status_log.c.quote_id == quote_id).order_by(quote_status_log.c.id)
        return self._tx(lambda c: [{"at": r.at, "status": r.status, "user_id": r.user_id} for r in c.execute(query)])

    def set_quote_status(
        self, ref: str, *, status: str, user_id: str | None, announcements: Announcements | None = None
    ) -> tuple[QuoteRequest, bool]:
        """Change the status; (request, changed). Only a real change logs it and queues the outbox calls
        `announcements` builds from the updated request, in the same transaction; a repeat changes nothing."""
        if status not in QUOTE_STATUSES:
            raise StoreError(f"unknown quote status {status!r}")
        key = ref.strip().upper()
        now = _iso(_now())

        def work(conn: Connection) -> tuple[QuoteRequest, bool]:
            quote_id = conn.execute(sa.select(quote_requests.c.id).where(quote_requests.c.ref == key)).scalar()
            if quote_id is None:
                raise NotFoundError(f"no quote request {ref!r}")
            # The guard is in the UPDATE itself: of two simultaneous clicks on one button, only one changes a row.
            changed = (
                conn.execute(
                    quote_requests.update()
                    .where(quote_requests.c.id == quote_id, quote_requests.c.status != status)
                    .values(status=status, updated_at=now, decided_by=user_id)
                ).rowcount
                == 1
            )
            quote = _quote(conn.execute(quote_requests.select().where(quote_requests.c.id == quote_id)).one())
            if changed:
                conn.execute(
                    quote_status_log.insert().values(quote_id=quote_id, at=now, status=status, user_id=user_id)
                )
                _queue_announcements(conn, quote, announcements)
            return quote, changed

        return self._tx(work)

    def set_quote_staff_message(self, quote_id: int, *, channel_id: str, ts: str) -> None:
        """Remember where the staff post of a quote request is, to update it on status changes."""
        self._tx(
            lambda c: c.execute(
                quote_requests.update()
                .where(quote_requests.c.id == quote_id)
                .values(staff_channel_id=channel_id, staff_message_ts=ts)
            )
        )

    # --- feedback --------------------------------------------------------------------------------------------

    def add_feedback(
        self,
        *,
        text: str,
        label: str,
        source: str,
        status: str,
        predicted_label: str | None = None,
        user_id: str | None = None,
        dedupe_key: str | None = None,
    ) -> tuple[FeedbackItem, bool]:
        """Store one feedback item; (item, created). A repeated dedupe_key returns the stored item."""
        if status not in FEEDBACK_STATUSES:
            raise StoreError(f"unknown feedback status {status!r}")
        values = {
            "created_at": _iso(_now()),
            "text": text,
            "label": label,
            "source": source,
            "status": status,
            "predicted_label": predicted_label,
            "user_id": user_id,
            "dedupe_key": dedupe_key,
        }
        if status == "accepted":
            values.update(reviewed_by=user_id or source, reviewed_at=values["created_at"])
        try:
            new_id = self._tx(lambda c: c.execute(feedback.insert().values(**values)).inserted_primary_key[0])
        except IntegrityError:
            row = self._tx(lambda c: c.execute(feedback.select().where(feedback.c.dedupe_key == dedupe_key)).one())
            return _feedback(row), False
        return self.feedback_item(new_id), True

    def add_feedback_many(self, items: Iterable[dict[str, Any]]) -> int:
        """Insert many accepted feedback items (imports), FEEDBACK_BATCH_ROWS per transaction; returns the count.

        A failure stops the import after the batches already committed: check the items before (the CLI does).
        """
        now = _iso(_now())
        rows = ({"created_at": now, "reviewed_at": now, "status": "accepted", **item} for item in items)
        count = 0
        while batch := list(islice(rows, FEEDBACK_BATCH_ROWS)):
            self._tx(lambda c, batch=batch: c.execute(feedback.insert(), batch))
            count += len(batch)
        return count

    def feedback_item(self, feedback_id: int) -> FeedbackItem:
        """One feedback item; NotFoundError otherwise."""
        row = self._tx(lambda c: c.execute(feedback.select().where(feedback.c.id == feedback_id)).first())
        if row is None:
            raise NotFoundError(f"no feedback item #{feedback_id}")
        return _feedback(row)

    def feedback_items(self, *, status: str | None = None, limit: int | None = None) -> list[FeedbackItem]:
        """Feedback, oldest first, optionally by status."""
        query = feedback.select().order_by(feedback.c.id)
        if status:
            query = query.where(feedback.c.status == status)
        if limit:
            query = query.limit(limit)
        return self._tx(lambda c: [_feedback(r) for r in c.execute(query)])

    def accepted_feedback(self) -> list[FeedbackItem]:
        """Accepted feedback in the order it was accepted (reviewed_at, then id): the last word on a text comes last."""
        query = feedback.select().where(feedback.c.status == "accepted").order_by(feedback.c.reviewed_at, feedback.c.id)
        return self._tx(lambda c: [_feedback(r) for r in c.execute(query)])

    def review_feedback(self, feedback_id: int, *, accept: bool, reviewer: str) -> tuple[FeedbackItem, bool]:
        """Accept or discard a pending item; (item, changed). Already reviewed items stay as they are."""
        status = "accepted" if accept else "discarded"
        # The guarded UPDATE decides: of two simultaneous reviews of one item, only one changes it.
        changed = self._tx(
            lambda c: (
                c.execute(
                    feedback.update()
                    .where(feedback.c.id == feedback_id, feedback.c.status == "pending")
                    .values(status=status, reviewed_by=reviewer, reviewed_at=_iso(_now()))
                ).rowcount
                == 1
            )
        )
        return self.feedback_item(feedback_id), changed

    # --- outbox: Slack calls that failed and are retried later -------------------------------------------------

    def enqueue(self, *, method: str, payload: dict[str, Any], purpose: str, purpose_id: int | None = None) -> int:
        """Remember a Slack Web API call to (re)try; returns its id."""
        values = _outbox_row(method=method, payload=payload, purpose=purpose, purpose_id=purpose_id)
        return self._tx(lambda c: c.execute(outbox.insert().values(**values)).inserted_primary_key[0])

    def claim_outbox_item(self, item_id: int, *, lease_seconds: float) -> OutboxItem | None:
        """Take a due, undelivered call for sending: pushes its next attempt out by the lease, so no other
        worker sends it meanwhile. None if it is not due, delivered, or claimed by someone else."""
        now = _iso_precise(_now())
        lease = _iso_precise(_now() + timedelta(seconds=lease_seconds))

        def work(conn: Connection) -> OutboxItem | None:
            claimed = conn.execute(
                outbox.update()
                .where(
                    outbox.c.id == item_id,
                    outbox.c.done_at.is_(None),
                    outbox.c.failed_at.is_(None),
                    outbox.c.next_attempt_at <= now,
                )
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

        return self._tx(work)

    def claim_due_outbox(
        self,
        *,
        lease_seconds: float,
        limit: int = 20,
        purpose_id: int | None = None,
        purposes: Collection[str] | None = None,
    ) -> list[OutboxItem]:
        """Claim up to `limit` due calls, oldest first (see claim_outbox_item), optionally only those of one
        `purpose_id` and `purposes`."""
        query = (
            sa.select(outbox.c.id)
            .where(
                outbox.c.done_at.is_(None),
                outbox.c.failed_at.is_(None),
                outbox.c.next_attempt_at <= _iso_precise(_now()),
            )
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if purpose_id is not None:
            query = query.where(outbox.c.purpose_id == purpose_id)
        if purposes is not None:
            query = query.where(outbox.c.purpose.in_(list(purposes)))
        ids = self._tx(lambda c: [r.id for r in c.execute(query)])
        claimed = (self.claim_outbox_item(i, lease_seconds=lease_seconds) for i in ids)
        return [item for item in claimed if item is not None]

    def outbox_done(self, item_id: int) -> None:
        """Mark a call as delivered."""
        self._tx(lambda c: c.execute(outbox.update().where(outbox.c.id == item_id).values(done_at=_iso(_now()))))

    def outbox_failed(self, item_id: int, *, error: str, retry_in: float, count_attempt: bool = True) -> None:
        """Schedule the next attempt of a failed call; count_attempt=False when Slack only asked us to wait."""
        later = _iso_precise(_now() + timedelta(seconds=retry_in))
        attempts = outbox.c.attempts + 1 if count_attempt else outbox.c.attempts
        self._tx(
            lambda c: c.execute(
                outbox.update()
                .where(outbox.c.id == item_id)
                .values(attempts=attempts, last_error=error[:2000], next_attempt_at=later)
            )
        )

    def outbox_given_up(self, item_id: int, *, error: str) -> None:
        """Mark a call as failed for good: it is never tried again."""
        self._tx(
            lambda c: c.execute(
                outbox.update()
                .where(outbox.c.id == item_id)
                .values(attempts=outbox.c.attempts + 1, last_error=error[:2000], failed_at=_iso(_now()))
            )
        )

    def pending_outbox_count(self) -> int:
        """Calls not yet delivered and still being tried."""
        query = (
            sa.select(sa.func.count())
            .select_from(outbox)
            .where(outbox.c.done_at.is_(None), outbox.c.failed_at.is_(None))
        )
        return self._tx(lambda c: c.execute(query).scalar())

    def failed_outbox_count(self) -> int:
        """Calls given up for good (a permanent Slack error, or too many attempts)."""
        query = sa.select(sa.func.count()).select_from(outbox).where(outbox.c.failed_at.is_not(None))
        return self._tx(lambda c: c.execute(query).scalar())


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer across worker processes
    cursor.execute("PRAGMA synchronous=FULL")  # a stored quote request survives a power cut
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
