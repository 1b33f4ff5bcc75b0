"""What App Home shows of the bot's recent work: verdict counts, quote requests and the review queue."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import FeedbackItem, Store

OVERVIEW_DAYS = 7
REVIEW_QUEUE_ITEMS = 20


@dataclass(frozen=True)
class Overview:
    days: int
    verdict_counts: dict[str, int]
    quote_count: int
    pending_feedback: tuple[FeedbackItem, ...]  # empty unless asked for (reviewers only)


def overview(store: Store, *, with_review_queue: bool, days: int = OVERVIEW_DAYS) -> Overview:
    """The last `days` days; the oldest pending feedback too when `with_review_queue`."""
    pending = store.feedback.find(status="pending", limit=REVIEW_QUEUE_ITEMS) if with_review_queue else []
    return Overview(
        days=days,
        verdict_counts=store.verdicts.counts(days=days),
        quote_count=store.quotes.count(days=days),
        pending_feedback=tuple(pending),
    )
