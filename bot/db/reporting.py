"""Read-only figures for the weekly scope report: verdicts, quote requests and feedback of a time window.

Every window is [start, end) of aware UTC datetimes (bot.db.timestamps).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from bot.db.dialects import utc_day
from bot.db.runner import Runner
from bot.db.schema import feedback, quote_requests, quote_status_log, verdicts

# The funnel's steps after a quote request: staff sent the customer a quote, and the customer accepted it (paid
# work; only a sent quote can be, and it is final) or it was declined (by staff or by the customer).
QUOTE_SENT = "quote_sent"
ACCEPTED = "accepted"
DECLINED = "declined"


@dataclass(frozen=True)
class LoggedRequest:
    """One request the bot answered: a message, or one part of a mixed message (with the part's own verdict)."""

    verdict_id: int
    text: str
    label: str
    verdict: str
    reason: str | None


@dataclass(frozen=True)
class QuoteCounts:
    """Quote requests created in the window for one detected row, and how far they got by now."""

    label: str | None
    requests: int
    quotes_sent: int  # ever set to quote_sent (the status log), whatever happened afterwards
    accepted: int  # accepted now: the customer accepted the quote
    declined: int  # declined now


@dataclass(frozen=True)
class ReviewCounts:
    """Feedback whose review (a reviewer's decision, or acceptance at once for trusted sources) fell in the window."""

    accepted: int  # accepted now, with the model's prediction of the time recorded
    correct: int  # of those: the prediction was the accepted label
    no_prediction: int  # accepted now, but no prediction was recorded (nothing to compare)
    discarded: int  # reviewed in the window and discarded now


def _in(column: sa.ColumnElement[datetime], start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(column >= start, column < end)


class Reporting:
    def __init__(self, run: Runner):
        self._run = run

    def verdicts_per_day(self, *, start: datetime, end: datetime) -> list[tuple[str, str, int]]:
        """(UTC day YYYY-MM-DD, verdict, messages) of the window, by day then verdict."""
        day = utc_day(verdicts.c.created_at).label("day")
        query = (
            sa.select(day, verdicts.c.verdict, sa.func.count())
            .where(_in(verdicts.c.created_at, start, end))
            .group_by(day, verdicts.c.verdict)
            .order_by(day, verdicts.c.verdict)
        )
        return self._run(lambda c: [(d, v, n) for d, v, n in c.execute(query)])

    def unsure_reasons(self, *, start: datetime, end: datetime) -> dict[str | None, int]:
        """reason -> messages answered unsure in the window (None: logged without a reason)."""
        query = (
            sa.select(verdicts.c.reason, sa.func.count())
            .where(_in(verdicts.c.created_at, start, end), verdicts.c.verdict == "unsure")
            .group_by(verdicts.c.reason)
        )
        return self._run(lambda c: {r: n for r, n in c.execute(query)})

    def requests(self, *, start: datetime, end: datetime) -> list[LoggedRequest]:
        """Every request answered in the window, oldest first: a mixed message counts once per part."""
        query = (
            sa.select(
                verdicts.c.id,
                verdicts.c.text,
                verdicts.c.label,
                verdicts.c.verdict,
                verdicts.c.reason,
                verdicts.c.parts,
            )
            .where(_in(verdicts.c.created_at, start, end))
            .order_by(verdicts.c.created_at, verdicts.c.id)
        )
        found: list[LoggedRequest] = []
        for r in self._run(lambda c: list(c.execute(query))):
            parts = json.loads(r.parts) if r.parts else []
            if not parts:
                found.append(
                    LoggedRequest(verdict_id=r.id, text=r.text, label=r.label, verdict=r.verdict, reason=r.reason)
                )
            found.extend(
                LoggedRequest(
                    verdict_id=r.id, text=p["text"], label=p["label"], verdict=p["verdict"], reason=p.get("reason")
                )
                for p in parts
            )
        return found

    def quote_funnel(self, *, start: datetime, end: datetime) -> list[QuoteCounts]:
        """Per detected row, the quote requests created in the window, how many got a quote, how many of those
        were accepted and how many were declined; rows without a detected label come as None. Ordered by label."""
        sent = (
            sa.select(quote_status_log.c.id)
            .where(quote_status_log.c.quote_id == quote_requests.c.id, quote_status_log.c.status == QUOTE_SENT)
            .exists()
        )
        query = (
            sa.select(
                quote_requests.c.detected_label,
                sa.func.count(),
                sa.func.sum(sa.case((sent, 1), else_=0)),
                sa.func.sum(sa.case((quote_requests.c.status == ACCEPTED, 1), else_=0)),
                sa.func.sum(sa.case((quote_requests.c.status == DECLINED, 1), else_=0)),
            )
            .where(_in(quote_requests.c.created_at, start, end))
            .group_by(quote_requests.c.detected_label)
            .order_by(quote_requests.c.detected_label.nulls_first())
        )
        return self._run(
            lambda c: [
                QuoteCounts(
                    label=label, requests=n, quotes_sent=int(s or 0), accepted=int(a or 0), declined=int(d or 0)
                )
                for label, n, s, a, d in c.execute(query)
            ]
        )

    def reviewed_feedback(self, *, start: datetime, end: datetime) -> ReviewCounts:
        """What the review of feedback in the window says about the model (see ReviewCounts)."""
        accepted = feedback.c.status == "accepted"
        predicted = feedback.c.predicted_label.is_not(None)

        def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        query = sa.select(
            count(sa.and_(accepted, predicted)),
            count(sa.and_(accepted, predicted, feedback.c.predicted_label == feedback.c.label)),
            count(sa.and_(accepted, feedback.c.predicted_label.is_(None))),
            count(feedback.c.status == "discarded"),
        ).where(_in(feedback.c.reviewed_at, start, end))
        a, ok, none, d = self._run(lambda c: c.execute(query).one())
        return ReviewCounts(accepted=int(a), correct=int(ok), no_prediction=int(none), discarded=int(d))

    def waiting_feedback(self) -> tuple[int, int]:
        """(feedback waiting for review now, of which flagged by the audit)."""
        query = sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((feedback.c.flag_reason.is_not(None), 1), else_=0)), 0),
        ).where(feedback.c.status == "pending")
        pending, flagged = self._run(lambda c: c.execute(query).one())
        return int(pending), int(flagged)
