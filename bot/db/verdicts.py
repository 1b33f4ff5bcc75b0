"""The verdict log: every answer the bot gave, for quotes, feedback and the App Home counts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.db.dialects import insert_new
from bot.db.runner import Runner, inserted_id
from bot.db.schema import feedback, queue_decisions, verdicts
from bot.db.timestamps import UtcDateTime, ago, utc_now
from bot.errors import NotFoundError, StoreError

QUEUE_OUTCOMES = ("answered", "skipped")


@dataclass(frozen=True)
class VerdictPart:
    """One request of a logged message, with its own verdict (the text is a verbatim span of the message)."""

    text: str
    start: int
    end: int
    label: str
    verdict: str
    confidence: float
    reason: str | None = None


@dataclass(frozen=True)
class VerdictAlternative:
    """One of the labels the model ranked highest for a message, with its probability."""

    label: str
    probability: float


@dataclass(frozen=True)
class VerdictRecord:
    id: int
    created_at: datetime
    source: str
    team_id: str | None
    channel_id: str | None
    user_id: str | None
    message_ts: str | None
    text: str
    label: str
    verdict: str
    confidence: float
    model_version: str
    lang: str
    reason: str | None
    parts: tuple[VerdictPart, ...]
    margin: float | None = None  # None for verdicts logged before the margin was kept
    alternatives: tuple[VerdictAlternative, ...] = ()

    def part(self, index: int | None) -> VerdictPart:
        """Part `index` of the message's parts; the whole message, with its own verdict, for None."""
        if index is None:
            return VerdictPart(
                text=self.text,
                start=0,
                end=len(self.text),
                label=self.label,
                verdict=self.verdict,
                confidence=self.confidence,
                reason=self.reason,
            )
        if not 0 <= index < len(self.parts):
            raise NotFoundError(f"verdict #{self.id} has no part {index}")
        return self.parts[index]


@dataclass(frozen=True)
class NewVerdict:
    """A verdict to log; where it was given is optional (the shell and the CLI have no channel)."""

    source: str
    text: str
    label: str
    verdict: str
    confidence: float
    model_version: str
    lang: str
    reason: str | None = None
    parts: tuple[VerdictPart, ...] = ()
    margin: float | None = None
    alternatives: tuple[VerdictAlternative, ...] = ()
    team_id: str | None = None
    channel_id: str | None = None
    user_id: str | None = None
    message_ts: str | None = None


@dataclass(frozen=True)
class QueueDecision:
    """What the review queue decided about a verdict: answered (with the feedback it became) or skipped."""

    verdict_id: int
    decided_at: datetime
    decided_by: str
    outcome: str  # answered | skipped
    label: str | None
    feedback_id: int | None


def _record(row: Any) -> VerdictRecord:
    m = row._mapping
    fields = {f: m[f] for f in VerdictRecord.__dataclass_fields__ if f not in ("parts", "alternatives")}
    parts = tuple(VerdictPart(**p) for p in json.loads(m["parts"])) if m["parts"] else ()
    ranked = tuple(VerdictAlternative(**a) for a in json.loads(m["alternatives"])) if m["alternatives"] else ()
    return VerdictRecord(**fields, parts=parts, alternatives=ranked)


def _alternatives_json(alternatives: tuple[VerdictAlternative, ...]) -> str | None:
    ranked = [{"label": a.label, "probability": round(a.probability, 4)} for a in alternatives]
    return json.dumps(ranked, ensure_ascii=False) if ranked else None


class Verdicts:
    def __init__(self, run: Runner):
        self._run = run

    def log(self, verdict: NewVerdict) -> int:
        """Append one verdict the bot gave; returns its id."""
        values = {
            "created_at": utc_now(),
            **verdict.__dict__,
            "parts": json.dumps([asdict(p) for p in verdict.parts], ensure_ascii=False) if verdict.parts else None,
            "alternatives": _alternatives_json(verdict.alternatives),
        }
        return self._run(lambda c: inserted_id(c.execute(verdicts.insert().values(**values))))

    def get(self, verdict_id: int) -> VerdictRecord:
        """One logged verdict; NotFoundError otherwise."""
        row = self._run(lambda c: c.execute(verdicts.select().where(verdicts.c.id == verdict_id)).first())
        if row is None:
            raise NotFoundError(f"no verdict #{verdict_id}")
        return _record(row)

    def counts(self, *, days: int = 7) -> dict[str, int]:
        """verdict -> count over the last `days` days."""
        query = (
            sa.select(verdicts.c.verdict, sa.func.count())
            .where(verdicts.c.created_at >= ago(days=days))
            .group_by(verdicts.c.verdict)
        )
        return self._run(lambda c: {v: n for v, n in c.execute(query)})

    def uncertain(
        self,
        *,
        days: int,
        sources: Sequence[str],
        verdicts_in: Sequence[str],
        reasons_in: Sequence[str],
        margin_below: float,
        limit: int,
    ) -> list[VerdictRecord]:
        """The review queue: the last `days` days' verdicts from `sources` with a verdict in `verdicts_in`, a
        reason in `reasons_in` or a margin below `margin_below`; most uncertain first.

        Ordered by margin (verdicts logged before margins were kept last), ties newest first. A text that has
        feedback, or that the queue decided once, is not asked again; a repeated text counts once (its latest
        candidate verdict).
        """
        decided = verdicts.alias("decided")
        done_texts = sa.select(decided.c.text).join(queue_decisions, queue_decisions.c.verdict_id == decided.c.id)
        latest = (
            sa.select(sa.func.max(verdicts.c.id))
            .where(
                verdicts.c.created_at >= ago(days=days),
                verdicts.c.source.in_(sources),
                sa.or_(
                    verdicts.c.verdict.in_(verdicts_in),
                    verdicts.c.reason.in_(reasons_in),
                    verdicts.c.margin < margin_below,
                ),
                verdicts.c.text.not_in(sa.select(feedback.c.text)),
                verdicts.c.text.not_in(done_texts),
            )
            .group_by(verdicts.c.text)
        )
        query = (
            verdicts.select()
            .where(verdicts.c.id.in_(latest))
            .order_by(verdicts.c.margin.is_(None), verdicts.c.margin, verdicts.c.id.desc())
            .limit(limit)
        )
        return self._run(lambda c: [_record(r) for r in c.execute(query)])

    def decide(self, verdict_id: int, *, by: str, outcome: str, label: str | None = None) -> bool:
        """Record the review queue's decision on a logged verdict unless it has one; True if this call decided.

        One conditional INSERT, the first statement of its transaction: of two simultaneous clicks, one waits for
        the other's write lock (SQLite) or for its row (PostgreSQL, where ON CONFLICT then skips it) and finds the
        decision made. NotFoundError for an unknown verdict.
        """
        if outcome not in QUEUE_OUTCOMES:
            raise StoreError(f"unknown review queue outcome {outcome!r}")
        taken = sa.exists().where(queue_decisions.c.verdict_id == verdict_id)
        source = sa.select(
            verdicts.c.id,
            sa.literal(utc_now(), UtcDateTime()),
            sa.literal(by, sa.String),
            sa.literal(outcome, sa.String),
            sa.literal(label, sa.String),
        ).where(verdicts.c.id == verdict_id, ~taken)

        def work(conn: Connection) -> int:
            insert = insert_new(conn, queue_decisions, keys=["verdict_id"]).from_select(
                ["verdict_id", "decided_at", "decided_by", "outcome", "label"], source
            )
            # An INSERT's rowcount is kept only when asked for (psycopg reports -1 otherwise).
            return conn.execute(insert.execution_options(preserve_rowcount=True)).rowcount

        if self._run(work) == 1:
            return True
        self.get(verdict_id)  # NotFoundError when there is no such verdict
        return False

    def link_feedback(self, verdict_id: int, feedback_id: int) -> None:
        """Note the feedback item a queue answer became."""
        update = queue_decisions.update().where(queue_decisions.c.verdict_id == verdict_id)
        self._run(lambda c: c.execute(update.values(feedback_id=feedback_id)))

    def decision(self, verdict_id: int) -> QueueDecision | None:
        """The review queue's decision on a verdict, if it has one."""
        query = queue_decisions.select().where(queue_decisions.c.verdict_id == verdict_id)
        row = self._run(lambda c: c.execute(query).first())
        return None if row is None else QueueDecision(**row._mapping)
