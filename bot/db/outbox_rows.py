"""What the outbox stores and hands out: queued calls, claimed calls, and the listing's entries."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.db.schema import outbox
from bot.db.timestamps import utc_now

ERROR_CHARS = 2000
PENDING, PARKED, FAILED, DONE = "pending", "parked", "failed", "done"


@dataclass(frozen=True)
class OutboxCall:
    """A Slack Web API call to queue: method, its JSON payload, what it is for, and optionally a key that makes
    a second call with the same key a no-op (one apology per event)."""

    method: str
    payload: dict[str, Any]
    purpose: str
    dedupe_key: str | None = None


@dataclass(frozen=True)
class OutboxItem:
    """A claimed call. `unconfirmed_since` is set when an earlier send may have reached Slack (a crash or a
    timeout before the answer was stored): look for the message before sending it again."""

    id: int
    method: str
    payload: dict[str, Any]
    purpose: str
    purpose_id: int | None
    attempts: int
    unconfirmed_since: datetime | None = None


@dataclass(frozen=True)
class OutboxEntry:
    """A queued call as `scope-bot outbox list` and App Home show it."""

    id: int
    created_at: datetime
    method: str
    purpose: str
    purpose_id: int | None
    attempts: int
    state: str  # pending | parked | failed | done
    last_error: str | None
    next_attempt_at: datetime


def new_row(call: OutboxCall, purpose_id: int | None) -> dict[str, Any]:
    """The row of a call queued now, due at once."""
    now = utc_now()
    return {
        "created_at": now,
        "method": call.method,
        "payload": json.dumps(call.payload),
        "purpose": call.purpose,
        "purpose_id": purpose_id,
        "attempts": 0,
        "next_attempt_at": now,
        "dedupe_key": call.dedupe_key,
    }


def undelivered() -> list[sa.ColumnElement[bool]]:
    """Conditions of a call neither delivered nor given up."""
    return [outbox.c.done_at.is_(None), outbox.c.failed_at.is_(None)]


def state_of(r: Any) -> str:
    """pending | parked | failed | done, of an outbox row."""
    if r.done_at is not None:
        return DONE
    if r.failed_at is not None:
        return FAILED
    return PARKED if r.parked_at is not None else PENDING
