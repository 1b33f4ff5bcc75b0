"""Logged verdicts with known margins and runner-up rows, for the review queue's tests."""

from __future__ import annotations

import sqlalchemy as sa

from bot.db import NewVerdict, Store, VerdictAlternative, VerdictPart
from bot.db.schema import verdicts
from bot.db.timestamps import ago

RUNNER_UP = (
    VerdictAlternative("cloudgpu.vm_setup", 0.46),
    VerdictAlternative("cloudgpu.third_party_frameworks", 0.41),
    VerdictAlternative("none", 0.05),
)


def seed_verdict(
    store: Store,
    text: str,
    *,
    margin: float | None,
    verdict: str = "in_scope",
    reason: str | None = None,
    label: str = "cloudgpu.vm_setup",
    source: str = "mention",
    alternatives: tuple[VerdictAlternative, ...] = RUNNER_UP,
    parts: tuple[VerdictPart, ...] = (),
    days_ago: float | None = None,
) -> int:
    """Log one verdict as triage would (optionally dated `days_ago`); returns its id."""
    verdict_id = store.verdicts.log(
        NewVerdict(
            source=source,
            text=text,
            label=label,
            verdict=verdict,
            confidence=0.8,
            model_version="test-model",
            lang="en",
            reason=reason,
            parts=parts,
            margin=margin,
            alternatives=alternatives if margin is not None else (),
            channel_id="C0SUPPORT",
            user_id="U0CUSTOMER",
        )
    )
    if days_ago is not None:
        with store.engine.begin() as conn:
            conn.execute(verdicts.update().where(verdicts.c.id == verdict_id).values(created_at=ago(days=days_ago)))
    return verdict_id


def queue_texts(items) -> list[str]:
    """The texts of review queue items (or verdict records), in order."""
    return [i.text for i in items]


def raw_columns(store: Store, verdict_id: int) -> dict:
    """The verdict row as stored (JSON columns as text)."""
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.select(verdicts).where(verdicts.c.id == verdict_id)).one()._mapping)
