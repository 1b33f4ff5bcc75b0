"""What App Home shows of the bot's recent work: verdict counts, quote requests and the review queue."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import FeedbackItem, OutboxEntry, Store
from bot.db.outbox import FAILED, PARKED
from bot.services.quotes import STAFF_POST
from bot.services.review_queue import QueueItem, uncertain_queue

OVERVIEW_DAYS = 7
REVIEW_QUEUE_ITEMS = 20
HARDEST_ITEMS = 10  # of the uncertain queue, in App Home (the CLI shows more)


@dataclass(frozen=True)
class Overview:
    days: int
    verdict_counts: dict[str, int]
    quote_count: int
    pending_feedback: tuple[FeedbackItem, ...]  # empty unless asked for (reviewers only)
    # Also for reviewers only: Slack calls held back by an auth or channel error or given up, and the quote
    # requests whose staff post is among them (staff would otherwise never see those requests).
    stuck_calls: tuple[OutboxEntry, ...] = ()
    undelivered_quotes: tuple[str, ...] = ()
    # For reviewers: the week's messages the model was least sure of, lowest margin first.
    hardest: tuple[QueueItem, ...] = ()


def overview(store: Store, *, with_review_queue: bool, days: int = OVERVIEW_DAYS) -> Overview:
    """The last `days` days; the oldest pending feedback and the hardest messages too when `with_review_queue`."""
    pending = store.feedback.find(status="pending", limit=REVIEW_QUEUE_ITEMS) if with_review_queue else []
    stuck = store.outbox.entries(states=(PARKED, FAILED)) if with_review_queue else []
    staff_posts = {e.purpose_id for e in stuck if e.purpose == STAFF_POST}
    refs = [q.ref for q in store.quotes.find() if q.id in staff_posts] if staff_posts else []
    return Overview(
        days=days,
        verdict_counts=store.verdicts.counts(days=days),
        quote_count=store.quotes.count(days=days),
        pending_feedback=tuple(pending),
        stuck_calls=tuple(stuck),
        undelivered_quotes=tuple(sorted(refs)),
        hardest=tuple(uncertain_queue(store, days=days, limit=HARDEST_ITEMS)) if with_review_queue else (),
    )
