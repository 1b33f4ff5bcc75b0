"""Feedback: staff corrections of the bot's rows, pending review, accepted or discarded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.db.runner import Runner, inserted_id
from bot.db.schema import feedback
from bot.db.timestamps import json_ready, utc_now
from bot.errors import NotFoundError, StoreError

FEEDBACK_STATUSES = ("pending", "accepted", "discarded")
# Rows per transaction of a bulk feedback import: short write locks, so other workers' writes (inside Slack's
# 3-second acknowledgement) never wait behind a whole 100k-row import.
FEEDBACK_BATCH_ROWS = 1000


@dataclass(frozen=True)
class FeedbackItem:
    id: int
    created_at: datetime
    text: str
    predicted_label: str | None
    label: str
    source: str
    user_id: str | None
    status: str
    reviewed_by: str | None
    reviewed_at: datetime | None = None
    flag_reason: str | None = None  # set: the audit held it for review (it contradicted a confident prediction)
    discarded_by: str | None = None
    discarded_at: datetime | None = None

    @property
    def flagged(self) -> bool:
        """Held for review by the audit (it stays flagged after review, for the record)."""
        return self.flag_reason is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for `feedback list --json`."""
        return json_ready({**self.__dict__, "flagged": self.flagged})


@dataclass(frozen=True)
class AcceptedFeedback:
    """One item of a bulk import: accepted at once by `reviewed_by`, unless the audit flagged it (then it waits
    for review, status pending)."""

    text: str
    label: str
    source: str
    user_id: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None  # default: the time of the import
    predicted_label: str | None = None  # what the current model said when it was audited
    flag_reason: str | None = None


def _import_row(item: AcceptedFeedback, now: datetime) -> dict[str, Any]:
    row = {**item.__dict__, "created_at": now, "status": "accepted", "reviewed_at": item.reviewed_at or now}
    if item.flag_reason:
        row.update(status="pending", reviewed_by=None, reviewed_at=None)
    return row


def _insert_batch(batch: list[dict[str, Any]], conn: Connection) -> None:
    conn.execute(feedback.insert(), batch)


def _item(row: Any) -> FeedbackItem:
    m = row._mapping
    return FeedbackItem(**{f: m[f] for f in FeedbackItem.__dataclass_fields__})


class Feedback:
    def __init__(self, run: Runner):
        self._run = run

    def add(
        self,
        *,
        text: str,
        label: str,
        source: str,
        status: str,
        predicted_label: str | None = None,
        user_id: str | None = None,
        dedupe_key: str | None = None,
        flag_reason: str | None = None,
    ) -> tuple[FeedbackItem, bool]:
        """Store one feedback item; (item, created). A repeated dedupe_key returns the stored item."""
        if status not in FEEDBACK_STATUSES:
            raise StoreError(f"unknown feedback status {status!r}")
        now = utc_now()
        values = {
            "created_at": now,
            "text": text,
            "label": label,
            "source": source,
            "status": status,
            "predicted_label": predicted_label,
            "user_id": user_id,
            "dedupe_key": dedupe_key,
            "flag_reason": flag_reason,
        }
        if status == "accepted":
            values.update(reviewed_by=user_id or source, reviewed_at=now)
        try:
            new_id = self._run(lambda c: inserted_id(c.execute(feedback.insert().values(**values))))
        except IntegrityError:
            row = self._run(lambda c: c.execute(feedback.select().where(feedback.c.dedupe_key == dedupe_key)).one())
            return _item(row), False
        return self.get(new_id), True

    def add_many(self, items: Iterable[AcceptedFeedback]) -> int:
        """Insert many items (imports), FEEDBACK_BATCH_ROWS per transaction; returns the count. Flagged items
        wait for review, the others are accepted.

        A failure stops the import after the batches already committed: check the items before (the CLI does).
        """
        now = utc_now()
        rows = (_import_row(item, now) for item in items)
        count = 0
        while batch := list(islice(rows, FEEDBACK_BATCH_ROWS)):
            self._run(partial(_insert_batch, batch))
            count += len(batch)
        return count

    def get(self, feedback_id: int) -> FeedbackItem:
        """One feedback item; NotFoundError otherwise."""
        row = self._run(lambda c: c.execute(feedback.select().where(feedback.c.id == feedback_id)).first())
        if row is None:
            raise NotFoundError(f"no feedback item #{feedback_id}")
        return _item(row)

    def find(self, *, status: str | None = None, flagged: bool = False, limit: int | None = None) -> list[FeedbackItem]:
        """Feedback, oldest first, optionally by status and only what the audit flagged."""
        query = feedback.select().order_by(feedback.c.id)
        if status:
            query = query.where(feedback.c.status == status)
        if flagged:
            query = query.where(feedback.c.flag_reason.is_not(None))
        if limit:
            query = query.limit(limit)
        return self._run(lambda c: [_item(r) for r in c.execute(query)])

    def accepted(self) -> list[FeedbackItem]:
        """Accepted feedback in acceptance order (reviewed_at, then id): the last word on a text comes last."""
        query = feedback.select().where(feedback.c.status == "accepted").order_by(feedback.c.reviewed_at, feedback.c.id)
        return self._run(lambda c: [_item(r) for r in c.execute(query)])

    def review(self, feedback_id: int, *, accept: bool, reviewer: str) -> tuple[FeedbackItem, bool]:
        """Accept or discard a pending item; (item, changed). Already reviewed items stay as they are."""
        now = utc_now()
        values = {"status": "accepted" if accept else "discarded", "reviewed_by": reviewer, "reviewed_at": now}
        if not accept:
            values.update(discarded_by=reviewer, discarded_at=now)
        # The guarded UPDATE decides: of two simultaneous reviews of one item, only one changes it.
        update = feedback.update().where(feedback.c.id == feedback_id, feedback.c.status == "pending").values(**values)
        changed = self._run(lambda c: c.execute(update).rowcount == 1)
        return self.get(feedback_id), changed

    def discard(self, feedback_id: int, *, by: str) -> tuple[FeedbackItem, bool]:
        """Withdraw an accepted (or pending) item, recording who and when; (item, changed).

        NotFoundError for an unknown id; an item already discarded stays as it is.
        """
        self.get(feedback_id)
        update = (
            feedback.update()
            .where(feedback.c.id == feedback_id, feedback.c.status.in_(("accepted", "pending")))
            .values(status="discarded", discarded_by=by, discarded_at=utc_now())
        )
        changed = self._run(lambda c: c.execute(update).rowcount == 1)
        return self.get(feedback_id), changed
