"""The weekly scope report: what the bot answered in the last N days, what became paid work, and how right it was.

The window is N whole UTC days ending before `end` (default: today), so a report run on Monday morning covers
Monday to Sunday. Figures come from plain values read by bot.db.reporting; nothing here knows Slack.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.db import Store
from bot.db.reporting import LoggedRequest, QuoteCounts, ReviewCounts
from bot.errors import ValidationError
from bot.services.report_groups import UncoveredGroup, group_uncovered
from model.catalog import IN_SCOPE, MIXED, NOT_COVERED, OTHER_LABEL, OUT_OF_SCOPE, REASONS, UNSURE

VERDICT_ORDER = (IN_SCOPE, OUT_OF_SCOPE, MIXED, UNSURE)
UNKNOWN_REASON = "unknown"  # an unsure verdict logged without a reason
MAX_DAYS = 366
NO_ROW = "(no row)"  # quote requests without a detected row


@dataclass(frozen=True)
class DayVolume:
    day: str  # YYYY-MM-DD (UTC)
    counts: dict[str, int]  # verdict -> messages, every verdict of VERDICT_ORDER present

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class RowFunnel:
    """From an out-of-scope answer to paid work, for one row: answers, quote requests, quotes sent, accepted."""

    label: str
    answers: int  # requests answered out of scope with this row in the window (parts of mixed messages too)
    requests: int  # quote requests created in the window that detected this row
    quotes_sent: int  # of those, how many staff have sent a quote for (by now)
    accepted: int  # of those, how many quotes the customer has accepted (by now): paid work
    declined: int  # of those, how many are declined now (by staff, or by the customer)

    @property
    def request_rate(self) -> float | None:
        """Quote requests per out-of-scope answer (above 1 when older answers were asked about this week)."""
        return self.requests / self.answers if self.answers else None

    @property
    def sent_rate(self) -> float | None:
        """Quotes sent per quote request."""
        return self.quotes_sent / self.requests if self.requests else None

    @property
    def accepted_rate(self) -> float | None:
        """Accepted quotes per quote sent."""
        return self.accepted / self.quotes_sent if self.quotes_sent else None


@dataclass(frozen=True)
class FeedbackFigures:
    reviewed: int  # accepted in the window with a recorded prediction: what accuracy is measured on
    correct: int  # of those, the model's prediction was the accepted label
    no_prediction: int  # accepted in the window without a recorded prediction (not counted)
    discarded: int  # reviewed in the window and discarded (the proposed label was rejected; not counted)
    waiting: int  # pending review now
    waiting_flagged: int  # of those, held by the audit

    @property
    def accuracy(self) -> float | None:
        """correct / reviewed; None when nothing was reviewed."""
        return self.correct / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class ScopeReport:
    first_day: str  # YYYY-MM-DD, inclusive
    last_day: str  # YYYY-MM-DD, inclusive
    per_day: tuple[DayVolume, ...]
    verdicts: dict[str, int]  # verdict -> messages
    unsure_reasons: dict[str, int]  # reason -> unsure messages (REASONS, and UNKNOWN_REASON if any)
    uncovered_requests: int  # requests no row covers (label other / reason not_covered), parts included
    uncovered: tuple[UncoveredGroup, ...]  # the largest groups of them
    uncovered_groups: int  # how many groups there are in all
    funnel: tuple[RowFunnel, ...]
    feedback: FeedbackFigures

    @property
    def days(self) -> int:
        return len(self.per_day)

    @property
    def messages(self) -> int:
        return sum(self.verdicts.values())

    def share(self, verdict: str) -> float | None:
        """Share of the window's messages with `verdict`; None without messages."""
        return self.verdicts.get(verdict, 0) / self.messages if self.messages else None

    @property
    def handover_rate(self) -> float | None:
        """Share of messages handed over to a person (verdict unsure)."""
        return self.share(UNSURE)

    @property
    def funnel_total(self) -> RowFunnel:
        return RowFunnel(
            label="total",
            answers=sum(r.answers for r in self.funnel),
            requests=sum(r.requests for r in self.funnel),
            quotes_sent=sum(r.quotes_sent for r in self.funnel),
            accepted=sum(r.accepted for r in self.funnel),
            declined=sum(r.declined for r in self.funnel),
        )


def report_window(*, end: date, days: int) -> tuple[datetime, datetime]:
    """[start, end): `days` whole UTC days before `end`."""
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"--days must be between 1 and {MAX_DAYS}, not {days}")
    stop = datetime(end.year, end.month, end.day, tzinfo=UTC)
    return stop - timedelta(days=days), stop


def _per_day(rows: Sequence[tuple[str, str, int]], *, first: date, days: int) -> tuple[DayVolume, ...]:
    counts = {(d, v): n for d, v, n in rows}
    out = []
    for offset in range(days):
        day = (first + timedelta(days=offset)).isoformat()
        out.append(DayVolume(day=day, counts={v: counts.get((day, v), 0) for v in VERDICT_ORDER}))
    return tuple(out)


def _reasons(found: dict[str | None, int]) -> dict[str, int]:
    reasons = {r: found.get(r, 0) for r in REASONS}
    unknown = sum(n for r, n in found.items() if r not in REASONS)
    return {**reasons, UNKNOWN_REASON: unknown} if unknown else reasons


def is_uncovered(request: LoggedRequest) -> bool:
    """A real request that no row of the tables covers."""
    return request.label == OTHER_LABEL or request.reason == NOT_COVERED


def funnel_rows(requests: Sequence[LoggedRequest], quotes: Sequence[QuoteCounts]) -> tuple[RowFunnel, ...]:
    """Answers per row joined with the quote requests per detected row; most answers first."""
    answers = Counter(r.label for r in requests if r.verdict == OUT_OF_SCOPE)
    by_label = {q.label or NO_ROW: q for q in quotes}
    rows = [
        RowFunnel(
            label=label,
            answers=answers.get(label, 0),
            requests=by_label[label].requests if label in by_label else 0,
            quotes_sent=by_label[label].quotes_sent if label in by_label else 0,
            accepted=by_label[label].accepted if label in by_label else 0,
            declined=by_label[label].declined if label in by_label else 0,
        )
        for label in set(answers) | set(by_label)
    ]
    rows.sort(key=lambda r: (-r.answers, -r.requests, r.label))
    return tuple(rows)


def _feedback(reviewed: ReviewCounts, waiting: tuple[int, int]) -> FeedbackFigures:
    return FeedbackFigures(
        reviewed=reviewed.accepted,
        correct=reviewed.correct,
        no_prediction=reviewed.no_prediction,
        discarded=reviewed.discarded,
        waiting=waiting[0],
        waiting_flagged=waiting[1],
    )


def build_report(store: Store, *, end: date, days: int = 7, top_uncovered: int = 5) -> ScopeReport:
    """The report of the `days` whole UTC days before `end`."""
    start, stop = report_window(end=end, days=days)
    first = end - timedelta(days=days)
    db = store.reporting
    per_day = _per_day(db.verdicts_per_day(start=start, end=stop), first=first, days=days)
    requests = db.requests(start=start, end=stop)
    uncovered = [r.text for r in requests if is_uncovered(r)]
    groups = group_uncovered(uncovered, corpus=[r.text for r in requests])
    return ScopeReport(
        first_day=first.isoformat(),
        last_day=(end - timedelta(days=1)).isoformat(),
        per_day=per_day,
        verdicts={v: sum(d.counts[v] for d in per_day) for v in VERDICT_ORDER},
        unsure_reasons=_reasons(db.unsure_reasons(start=start, end=stop)),
        uncovered_requests=len(uncovered),
        uncovered=groups[:top_uncovered],
        uncovered_groups=len(groups),
        funnel=funnel_rows(requests, db.quote_funnel(start=start, end=stop)),
        feedback=_feedback(db.reviewed_feedback(start=start, end=stop), db.waiting_feedback()),
    )
